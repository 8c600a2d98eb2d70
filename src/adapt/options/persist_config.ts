import type { Dispenser } from '../../caddyfile/dispenser.js';
import { registerGlobalOption } from '../registry.js';

/** `persist_config off`: do not autosave the config (admin.config.persist = false). */
registerGlobalOption('persist_config', (d: Dispenser) => {
  d.next();
  if (!d.next()) throw d.argErr();
  const val = d.val();
  if (d.next()) throw d.argErr();
  if (val !== 'off') throw d.err("persist_config must be 'off'");
  return val;
});
