import type { Dispenser } from '../../caddyfile/dispenser.js';
import { registerGlobalOption } from '../registry.js';
import { parseDNSProvider } from '../tls/dnsproviders.js';

/**
 * `dns <provider> ...`: the default DNS provider (for DNS challenges and
 * ECH publication). The value is the TLS app's "dns" object.
 */
registerGlobalOption('dns', (d: Dispenser) => {
  d.next();
  if (!d.nextArg()) throw d.argErr();
  return parseDNSProvider(d);
});
