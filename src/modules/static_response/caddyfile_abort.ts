/** abort [<matcher>] — closes the connection without a response. */
import { handlerDirective } from '../../adapt/registry.js';
import type { StaticResponseConfig } from './config.js';

export const abortDirective = handlerDirective('abort', (h) => {
  h.next(); // directive name
  if (h.next() || h.nextBlock(0)) throw h.argErr();
  const out: StaticResponseConfig = { handler: 'static_response', abort: true };
  return out;
});
