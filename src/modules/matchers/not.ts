/**
 * not: true when none of its matcher sets matches (the sets are ORed and
 * negated; the matchers inside a set are ANDed). An empty list matches every
 * request, as Caddy's loop over zero sets does.
 */
import { matcherModule, type ProvisionEnv } from '../../core/registry.js';
import type { Matcher } from '../../core/types.js';
import { decodeNot, type MatchNotConfig } from './config.js';

function provision(sets: MatchNotConfig, env: ProvisionEnv): Matcher {
  if (sets.length === 0) return () => true;
  const any = env.compileMatcherSets(sets);
  return (ctx) => !any(ctx);
}

export const notMatcher = matcherModule('not', { decode: decodeNot, provision });
