import type { Dispenser } from '../../caddyfile/dispenser.js';
import { registerGlobalOption } from '../registry.js';
import type { ConfigValue } from '../types.js';

/** A 'bind' value from `default_bind`: addresses plus the protocols the listeners accept. */
export type DefaultBindValue = ConfigValue & { value: { addresses: string[]; protocols?: string[] } };

/**
 * Syntax:
 *
 *     default_bind <hosts...> {
 *         protocols [h1|h2|h2c|h3] [...]
 *     }
 *
 * The value is a list with one 'bind' config value, `{addresses, protocols}`
 * (no hosts means the empty host, i.e. all interfaces).
 */
registerGlobalOption('default_bind', (d: Dispenser): DefaultBindValue[] => {
  d.next();
  const addresses = d.remainingArgs();
  if (addresses.length === 0) addresses.push('');
  let protocols: string[] | undefined;
  for (const n = d.getNesting(); d.nextBlock(n); ) {
    if (d.val() !== 'protocols') throw d.err(`unknown subdirective: ${d.val()}`);
    protocols = d.remainingArgs();
    if (protocols.length === 0) throw d.err('protocols requires one or more arguments');
  }
  const value: DefaultBindValue['value'] = { addresses };
  if (protocols) value.protocols = protocols;
  return [{ class: 'bind', value }];
});
