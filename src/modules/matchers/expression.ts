/**
 * expression: Caddy's CEL matcher. tsweb has no CEL interpreter; refusing
 * the config at load time beats silently matching nothing (or everything).
 */
import { registerMatcher } from '../../core/registry.js';

registerMatcher('expression', () => {
  throw new Error('the CEL expression matcher is not supported by tsweb');
});
