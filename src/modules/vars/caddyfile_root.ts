/**
 * root [<matcher>] <path>
 *
 * With one argument it is the root, even if it starts with `/` (so
 * `root /srv` is not a path matcher); with two, the first is the matcher.
 */
import { directive } from '../../adapt/registry.js';
import type { VarsConfig } from './config.js';

export const rootDirective = directive('root', (h) => {
  h.next(); // directive name
  const n = h.countRemainingArgs();
  if (n === 0) throw h.err('too few arguments; must have at least a root path');
  if (n > 2) throw h.err('too many arguments; should only be a matcher and a path');
  if (n === 1) {
    h.nextArg();
    const root: VarsConfig = { handler: 'vars', root: h.val() };
    return h.newRoute(null, root);
  }
  const matcherSet = h.extractMatcherSet();
  h.next(); // the name again: matcher extraction rewinds
  if (!h.nextArg()) throw h.argErr();
  const root: VarsConfig = { handler: 'vars', root: h.val() };
  return h.newRoute(matcherSet, root);
});
