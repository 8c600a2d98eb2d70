import type { Dispenser } from '../../caddyfile/dispenser.js';
import { registerGlobalOption } from '../registry.js';

/** `tls_resolvers <resolvers...>`: DNS resolvers for the TLS app (e.g. DNS challenge propagation checks). */
registerGlobalOption('tls_resolvers', (d: Dispenser) => {
  d.next();
  const args = d.remainingArgs();
  if (args.length === 0) throw d.argErr();
  return args;
});
