import type { Dispenser } from '../../caddyfile/dispenser.js';
import { registerGlobalOption } from '../registry.js';
import { parsePreferredChains } from '../tls/chains.js';

/**
 * `preferred_chains [smallest] { root_common_name|any_common_name <names...> }`:
 * the default chain preference of ACME issuers.
 */
registerGlobalOption('preferred_chains', (d: Dispenser) => {
  d.next();
  return parsePreferredChains(d);
});
