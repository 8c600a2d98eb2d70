/** method [<matcher>] <method> — rewrites the request method. */
import { registerHandlerDirective } from '../../adapt/registry.js';

registerHandlerDirective('method', (h) => {
  h.next(); // directive name
  if (!h.nextArg()) throw h.argErr();
  if (h.nextArg()) throw h.argErr();
  return { handler: 'rewrite', method: h.val() };
});
