import type { Dispenser } from '../../caddyfile/dispenser.js';
import { registerGlobalOption } from '../registry.js';
import '../tls/issuers.js';
import { unmarshalModule } from '../tls/modules.js';
import type { JSONObject } from '../types.js';

/**
 * `cert_issuer <name> ...`: the default certificate issuers; may repeat to
 * configure several. The value is a list of issuer objects (`{"module": ...}`).
 */
registerGlobalOption('cert_issuer', (d: Dispenser, existing: unknown) => {
  const issuers = Array.isArray(existing) ? [...(existing as JSONObject[])] : [];
  d.next();
  if (!d.nextArg()) throw d.argErr();
  const name = d.val();
  issuers.push({ module: name, ...unmarshalModule(d, `tls.issuance.${name}`) });
  return issuers;
});
