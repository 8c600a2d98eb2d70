import type { Dispenser } from '../../caddyfile/dispenser.js';
import { registerGlobalOption } from '../registry.js';
import '../tls/managers.js';
import { unmarshalModule } from '../tls/modules.js';
import type { JSONObject } from '../types.js';
import { moduleObject } from '../../go/json.js';

/**
 * Syntax:
 *
 *     on_demand_tls {
 *         ask        <endpoint>
 *         permission <module> ...
 *     }
 *
 * `ask <url>` is shorthand for `permission http <url>`. The value is the TLS
 * app's automation "on_demand" object.
 */
registerGlobalOption('on_demand_tls', (d: Dispenser) => {
  d.next();
  if (d.nextArg()) throw d.argErr();
  let ond: JSONObject | undefined;
  const already = "on-demand TLS permission module (or 'ask') already specified";
  for (const n = d.getNesting(); d.nextBlock(n); ) {
    const sub = d.val();
    switch (sub) {
      case 'ask':
        if (!d.nextArg()) throw d.argErr();
        ond ??= {};
        if (ond.permission) throw d.err(already);
        ond.permission = moduleObject({ endpoint: d.val() }, 'module', 'http');
        break;
      case 'permission': {
        if (!d.nextArg()) throw d.argErr();
        ond ??= {};
        if (ond.permission) throw d.err(already);
        const name = d.val();
        ond.permission = moduleObject(unmarshalModule(d, `tls.permission.${name}`), 'module', name);
        break;
      }
      case 'interval':
      case 'burst':
        throw d.err(`the on_demand_tls '${sub}' option is no longer supported, remove it from your config`);
      default:
        throw d.err(`unrecognized parameter '${sub}'`);
    }
  }
  if (!ond) throw d.err('expected at least one config parameter for on_demand_tls');
  return ond;
});
