/**
 * invoke (Caddy's Invoke; the `invoke` directive): runs one of the server's
 * named routes (`named_routes`, the Caddyfile's `&(name)` blocks) as if it
 * stood here. Looked up per request like Caddy, so named routes may invoke
 * one another; an unknown name is a 500, as in Caddy.
 */
import { handlerModule, type ProvisionEnv } from '../../core/registry.js';
import { type Handler, HandlerError } from '../../core/types.js';
import { decodeInvoke } from './config.js';

function provision(name: string, env: ProvisionEnv): Handler {
  const named = env.namedRoutes;
  return (ctx, next) => {
    const route = named?.get(name);
    if (route === undefined) throw new HandlerError(500, `invoke: route '${name}' not found`);
    return route(ctx, next);
  };
}

export const invokeHandler = handlerModule('invoke', { decode: decodeInvoke, provision });
