/**
 * not: true when none of its matcher sets matches (the sets are ORed and
 * negated; the matchers inside a set are ANDed). An empty list matches every
 * request, as Caddy's loop over zero sets does.
 */
import { matcherModule } from '../../core/registry.js';
import { jsonKind } from '../../core/json_checks.js';

export const notMatcher = matcherModule('not', (config, env) => {
  if (!Array.isArray(config)) throw new Error(`json: cannot unmarshal ${jsonKind(config)} into Go value of type []caddy.ModuleMap`);
  if (config.length === 0) return () => true;
  const any = env.compileMatcherSets(config);
  return (ctx) => !any(ctx);
});
