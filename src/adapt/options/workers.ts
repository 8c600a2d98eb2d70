import type { Dispenser } from '../../caddyfile/dispenser.js';
import { registerGlobalOption } from '../registry.js';

/**
 * A tsweb extension (Caddy has no such option; Go uses every core by itself):
 *
 *     workers <n>|auto
 *
 * How many request workers serve (src/runtime/supervisor.ts); `auto` is one
 * per core. The value is the HTTP app's "workers" field: a positive integer
 * or "auto". Without it, one process serves, as before.
 */
registerGlobalOption('workers', (d: Dispenser) => {
  d.next();
  if (!d.nextArg()) throw d.argErr();
  const v = d.val();
  if (d.nextArg() || d.nextBlock(d.getNesting())) throw d.argErr();
  if (v === 'auto') return v;
  if (!/^[0-9]+$/.test(v) || Number(v) < 1 || Number(v) > 1024) throw d.err(`workers: expected a number of workers from 1 to 1024 or 'auto', got '${v}'`);
  return Number(v);
});
