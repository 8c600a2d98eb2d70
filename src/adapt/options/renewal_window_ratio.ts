import type { Dispenser } from '../../caddyfile/dispenser.js';
import { registerGlobalOption } from '../registry.js';
import { parseFloat64 } from '../../go/units.js';

/**
 * `renewal_window_ratio <ratio>`: renew certificates when this fraction of
 * their lifetime remains (Caddy's default is 1/3); between 0 and 1.
 */
registerGlobalOption('renewal_window_ratio', (d: Dispenser) => {
  d.next();
  if (!d.nextArg()) throw d.argErr();
  const s = d.val();
  if (d.nextArg()) throw d.argErr();
  let r: number;
  try {
    r = parseFloat64(s);
  } catch (e) {
    throw d.err(`parsing renewal_window_ratio: ${(e as Error).message}`);
  }
  if (!(r > 0 && r < 1)) throw d.err(`renewal_window_ratio must be between 0 and 1 (exclusive), got ${s}`);
  return r;
});
