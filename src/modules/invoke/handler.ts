/**
 * invoke (Caddy's Invoke; the `invoke` directive): runs one of the server's
 * named routes (`named_routes`, the Caddyfile's `&(name)` blocks) as if it
 * stood here. Looked up per request like Caddy, so named routes may invoke
 * one another; an unknown name is a 500, as in Caddy.
 */
import { handlerModule } from '../../core/registry.js';
import { HandlerError } from '../../core/types.js';

export const invokeHandler = handlerModule('invoke', (config, env) => {
  const name = config.name;
  if (typeof name !== 'string' || name === '') throw new Error('invoke: a route name is required');
  const named = env.namedRoutes;
  return (ctx, next) => {
    const route = named?.get(name);
    if (route === undefined) throw new HandlerError(500, `invoke: route '${name}' not found`);
    return route(ctx, next);
  };
});
