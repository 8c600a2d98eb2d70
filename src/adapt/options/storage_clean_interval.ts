import type { Dispenser } from '../../caddyfile/dispenser.js';
import { registerGlobalOption } from '../registry.js';
import { parseCaddyDuration } from '../../go/units.js';

/**
 * `storage_clean_interval <duration>|off`: how often to clean up old assets
 * in storage. The value is nanoseconds, or `false` for `off`.
 */
registerGlobalOption('storage_clean_interval', (d: Dispenser) => {
  d.next();
  if (!d.nextArg()) throw d.argErr();
  const s = d.val();
  if (d.nextArg()) throw d.argErr();
  if (s === 'off') return false;
  try {
    return parseCaddyDuration(s);
  } catch (e) {
    throw d.err((e as Error).message);
  }
});
