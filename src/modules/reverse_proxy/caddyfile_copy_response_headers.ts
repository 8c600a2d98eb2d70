/**
 * copy_response_headers [<matcher>] {
 *     include <fields...>
 *     exclude <fields...>
 * }
 *
 * Only meaningful inside reverse_proxy's handle_response routes: copies the
 * upstream's response headers onto the response being written.
 */
import { handlerDirective } from '../../adapt/registry.js';
import type { HandlerJSON } from '../../adapt/types.js';

export const copyResponseHeadersDirective = handlerDirective('copy_response_headers', (h) => {
  h.next(); // directive name
  if (h.remainingArgs().length > 0) throw h.argErr();
  const include: string[] = [];
  const exclude: string[] = [];
  while (h.nextBlock(0)) {
    const sub = h.val();
    if (sub === 'include') include.push(...h.remainingArgs());
    else if (sub === 'exclude') exclude.push(...h.remainingArgs());
    else throw h.err(`unrecognized subdirective '${sub}'`);
  }
  const out: HandlerJSON = { handler: 'copy_response_headers' };
  if (exclude.length > 0) out.exclude = exclude;
  if (include.length > 0) out.include = include;
  return out;
});
