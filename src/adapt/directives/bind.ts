/**
 * bind <addresses...> {
 *     protocols [h1|h2|h2c|h3] [...]
 * }
 *
 * The interfaces (and network, e.g. `unix/`, `fd/`, `tcp6/`) the site
 * listens on; the port still comes from the site address.
 */
import { registerDirective } from '../registry.js';

registerDirective('bind', (h) => {
  h.next(); // directive name
  const addresses = h.remainingArgs();
  let protocols: string[] | undefined;
  while (h.nextBlock(0)) {
    if (h.val() !== 'protocols') throw h.err(`unknown subdirective: ${h.val()}`);
    protocols = h.remainingArgs();
    if (protocols.length === 0) throw h.err('protocols requires one or more arguments');
  }
  return [{ class: 'bind', value: protocols ? { addresses, protocols } : { addresses } }];
});
