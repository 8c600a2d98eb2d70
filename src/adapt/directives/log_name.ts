import type { Helper } from '../helper.js';
import { registerHandlerDirective } from '../registry.js';
import type { HandlerJSON } from '../types.js';

/** `log_name [<matcher>] <names...>`: which access loggers matching requests go to. */
registerHandlerDirective('log_name', (h: Helper): HandlerJSON => {
  h.next();
  return { access_logger_names: h.remainingArgs(), handler: 'vars' };
});
