import type { Dispenser } from '../../caddyfile/dispenser.js';
import { registerGlobalOption } from '../registry.js';
import type { JSONObject } from '../types.js';

/** Caddy's default admin endpoint (caddy.DefaultAdminListen). */
export const DEFAULT_ADMIN_LISTEN = 'localhost:2019';

/**
 * Syntax:
 *
 *     admin off|<addr> {
 *         origins <origins...>
 *         enforce_origin
 *     }
 *
 * The value is the config's top-level "admin" object.
 */
registerGlobalOption('admin', (d: Dispenser) => {
  d.next();
  const admin: JSONObject = {};
  if (d.nextArg()) {
    const addr = d.val();
    if (addr === 'off') {
      admin.disabled = true;
      if (d.next()) throw d.err('No more option is allowed after turning off admin config');
    } else {
      admin.listen = addr;
      if (d.nextArg()) throw d.argErr();
    }
  }
  for (const n = d.getNesting(); d.nextBlock(n); ) {
    switch (d.val()) {
      case 'enforce_origin':
        admin.enforce_origin = true;
        break;
      case 'origins':
        admin.origins = d.remainingArgs();
        break;
      default:
        throw d.err(`unrecognized parameter '${d.val()}'`);
    }
  }
  if (admin.listen === undefined && !admin.disabled) admin.listen = DEFAULT_ADMIN_LISTEN;
  // caddy.AdminConfig field order
  const out: JSONObject = {};
  for (const k of ['disabled', 'listen', 'enforce_origin', 'origins']) if (admin[k] !== undefined) out[k] = admin[k];
  return out;
});
