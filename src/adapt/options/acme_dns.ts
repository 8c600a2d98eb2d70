import type { Dispenser } from '../../caddyfile/dispenser.js';
import { registerGlobalOption } from '../registry.js';
import { parseDNSProvider } from '../tls/dnsproviders.js';

/**
 * `acme_dns [<provider> ...]`: solve ACME challenges with DNS. The value is
 * the provider object (`{"name": ..., ...}`), or null when no provider is
 * named (then the global `dns` provider is used).
 */
registerGlobalOption('acme_dns', (d: Dispenser) => {
  d.next();
  if (!d.nextArg()) return null;
  return parseDNSProvider(d);
});
