import type { Helper } from '../helper.js';
import { registerHandlerDirective } from '../registry.js';
import type { HandlerJSON } from '../types.js';

/**
 * `log_skip [<matcher>]` (and the deprecated `skip_log`): marks matching
 * requests so that no access log entry is written for them.
 */
function parseLogSkip(h: Helper): HandlerJSON {
  h.next();
  if (h.val() === 'skip_log') h.warn("the 'skip_log' directive is deprecated, please use 'log_skip' instead!");
  if (h.nextArg()) throw h.argErr();
  return { handler: 'vars', log_skip: true };
}

registerHandlerDirective('log_skip', parseLogSkip);
registerHandlerDirective('skip_log', parseLogSkip);
