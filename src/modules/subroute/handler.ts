/**
 * subroute (Caddy's Subroute): a nested route list, what `handle`, `route`
 * and `handle_path` become. Falling off its end continues with the outer
 * chain. Its own `errors.routes` handle errors raised inside it; they too
 * continue with the outer chain when they fall through.
 */
import { AbortRequest, toHandlerError, withError } from '../../core/errors.js';
import { handlerModule, type ProvisionEnv } from '../../core/registry.js';
import type { Handler } from '../../core/types.js';
import { decodeSubroute, type Subroute } from './config.js';

function provision(config: Subroute, env: ProvisionEnv): Handler {
  const routes = env.compileRoutes(config.routes, 'setting up subroutes');
  const errors = config.errors !== null ? env.compileRoutes(config.errors.routes) : null;
  if (errors === null) return routes;
  return async (ctx, next) => {
    try {
      await routes(ctx, next);
    } catch (err) {
      if (err instanceof AbortRequest) throw err;
      withError(ctx, toHandlerError(err));
      await errors(ctx, next);
    }
  };
}

export const subrouteHandler = handlerModule('subroute', { decode: decodeSubroute, provision });
