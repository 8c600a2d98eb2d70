import type { Dispenser } from '../../caddyfile/dispenser.js';
import { registerGlobalOption } from '../registry.js';
import { parseDNSProvider } from '../tls/dnsproviders.js';
import type { JSONObject } from '../types.js';

/** The `ech` option's value: ECH outer names and where to publish the configs. */
export interface ECHOption {
  public_names: string[];
  dns?: JSONObject;
}

/**
 * Syntax:
 *
 *     ech <public_names...> {
 *         dns <provider> ...
 *     }
 *
 * Encrypted ClientHello with these outer (public) names; configs are
 * published via the given DNS provider (or the global `dns` one).
 */
registerGlobalOption('ech', (d: Dispenser): ECHOption => {
  d.next();
  const names = d.remainingArgs();
  if (names.length === 0) throw d.argErr();
  const out: ECHOption = { public_names: names };
  for (const n = d.getNesting(); d.nextBlock(n); ) {
    if (d.val() !== 'dns') throw d.err(`ech: unrecognized subdirective '${d.val()}'`);
    if (!d.nextArg()) throw d.argErr();
    out.dns = parseDNSProvider(d);
  }
  return out;
});
