/**
 * tracing [<matcher>] {
 *     span <span_name>
 *     span_attributes {
 *         <name> <value>
 *     }
 * }
 */
import { handlerDirective } from '../../adapt/registry.js';
import type { JSONObject } from '../../adapt/types.js';

export const tracingDirective = handlerDirective('tracing', (h) => {
  h.next(); // directive name
  if (h.nextArg()) throw h.argErr();
  const out: JSONObject = { handler: 'tracing' };
  while (h.nextBlock(0)) {
    switch (h.val()) {
      case 'span':
        if (!h.nextArg()) throw h.argErr();
        out.span = h.val();
        if (h.nextArg()) throw h.argErr();
        break;
      case 'span_attributes': {
        const attrs: Record<string, string> = (out.span_attributes ??= {});
        while (h.nextBlock(1)) {
          const key = h.val();
          if (!h.nextArg()) throw h.argErr();
          attrs[key] = h.val();
          if (h.nextArg()) throw h.argErr();
        }
        break;
      }
      default:
        throw h.argErr();
    }
  }
  return out as { handler: string };
});
