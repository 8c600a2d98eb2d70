/** fs [<matcher>] <filesystem> — selects a named file system for later handlers. */
import { handlerDirective } from '../../adapt/registry.js';
import type { VarsConfig } from './config.js';

export const fsDirective = handlerDirective('fs', (h): VarsConfig => {
  h.next(); // directive name
  if (!h.nextArg()) throw h.argErr();
  if (h.nextArg()) throw h.argErr();
  return { handler: 'vars', fs: h.val() };
});
