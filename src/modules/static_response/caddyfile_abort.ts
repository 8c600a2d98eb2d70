/** abort [<matcher>] — closes the connection without a response. */
import { registerHandlerDirective } from '../../adapt/registry.js';

registerHandlerDirective('abort', (h) => {
  h.next(); // directive name
  if (h.next() || h.nextBlock(0)) throw h.argErr();
  return { handler: 'static_response', abort: true };
});
