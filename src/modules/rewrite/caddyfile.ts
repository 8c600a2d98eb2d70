/**
 * rewrite [<matcher>] <to>
 *
 * With a single argument the argument is the target URI, even if it starts
 * with `/` (it is not a path matcher); with two, the first is the matcher.
 */
import { directive } from '../../adapt/registry.js';
import type { RewriteConfig } from './config.js';

export const rewriteDirective = directive('rewrite', (h) => {
  h.next(); // directive name
  const n = h.countRemainingArgs();
  if (n === 0) throw h.err('too few arguments; must have at least a rewrite URI');
  if (n > 2) throw h.err('too many arguments; should only be a matcher and a URI');
  if (n === 1) {
    h.nextArg();
    const rewrite: RewriteConfig = { handler: 'rewrite', uri: h.val() };
    return h.newRoute(null, rewrite);
  }
  const matcherSet = h.extractMatcherSet();
  h.next(); // the name again: matcher extraction rewinds
  h.next(); // the URI
  const rewrite: RewriteConfig = { handler: 'rewrite', uri: h.val() };
  return h.newRoute(matcherSet, rewrite);
});
