/** fs [<matcher>] <filesystem> — selects a named file system for later handlers. */
import { registerHandlerDirective } from '../../adapt/registry.js';

registerHandlerDirective('fs', (h) => {
  h.next(); // directive name
  if (!h.nextArg()) throw h.argErr();
  if (h.nextArg()) throw h.argErr();
  return { handler: 'vars', fs: h.val() };
});
