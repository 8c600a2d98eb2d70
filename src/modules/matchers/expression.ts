/**
 * expression: Caddy's CEL matcher. tsweb has no CEL interpreter; refusing
 * the config at load time beats silently matching nothing (or everything).
 */
import { matcherModule } from '../../core/registry.js';
import type { Matcher } from '../../core/types.js';
import { decodeExpression } from './config.js';

export const expressionMatcher = matcherModule('expression', {
  decode: decodeExpression,
  provision: (): Matcher => {
    throw new Error('the CEL expression matcher is not supported by tsweb');
  },
});
