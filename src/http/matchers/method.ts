/**
 * method: the request's current method is one of the list (exact,
 * case-sensitive, as Caddy compares).
 */
import { registerMatcher } from '../registry.js';
import { stringList } from './config.js';

registerMatcher('method', (config) => {
  const methods = new Set(stringList(config, 'caddyhttp.MatchMethod'));
  return (ctx) => methods.has(ctx.method);
});
