/** method [<matcher>] <method> — rewrites the request method. */
import { handlerDirective } from '../../adapt/registry.js';
import type { RewriteConfig } from './config.js';

export const methodDirective = handlerDirective('method', (h): RewriteConfig => {
  h.next(); // directive name
  if (!h.nextArg()) throw h.argErr();
  if (h.nextArg()) throw h.argErr();
  return { handler: 'rewrite', method: h.val() };
});
