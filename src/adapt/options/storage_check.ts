import type { Dispenser } from '../../caddyfile/dispenser.js';
import { registerGlobalOption } from '../registry.js';

/** `storage_check off`: skip the storage health check at startup. */
registerGlobalOption('storage_check', (d: Dispenser) => {
  d.next();
  if (!d.nextArg()) throw d.argErr();
  const s = d.val();
  if (d.nextArg()) throw d.argErr();
  if (s !== 'off') throw d.err("storage_check must be 'off'");
  return s;
});
