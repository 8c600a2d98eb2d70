/**
 * method: the request's current method is one of the list (exact,
 * case-sensitive, as Caddy compares).
 */
import { matcherModule } from '../../core/registry.js';
import { stringList } from '../../core/json_checks.js';

export const methodMatcher = matcherModule('method', (config) => {
  const methods = new Set(stringList(config, 'caddyhttp.MatchMethod'));
  return (ctx) => methods.has(ctx.method);
});
