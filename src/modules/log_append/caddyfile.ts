import type { Helper } from '../../adapt/helper.js';
import { handlerDirective } from '../../adapt/registry.js';
import type { LogAppendConfig } from './config.js';

/**
 * `log_append [<matcher>] [<]<key> <value>`: adds a field to the access log
 * entry. A leading `<` on the key evaluates the value early, before the
 * rest of the handler chain runs (so it sees the request as it came in).
 */
export const logAppendDirective = handlerDirective('log_append', (h: Helper): LogAppendConfig => {
  h.next();
  const a = h.allArgs(2);
  if (!a) throw h.argErr();
  let [key, value] = a as [string, string];
  const out: LogAppendConfig = { handler: 'log_append' };
  if (key.startsWith('<')) {
    key = key.slice(1);
    out.early = true;
  }
  out.key = key;
  out.value = value;
  return out;
});
