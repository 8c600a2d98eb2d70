/**
 * authentication (Caddy's caddyauth.Authentication; `basic_auth`): asks each
 * provider in turn; the first that authenticates the request sets
 * {http.auth.user.id} (which the access log reports as user_id) and the
 * chain continues. If none does, the request fails with 401 — the
 * providers have set their challenge (WWW-Authenticate) on the response,
 * and the error routes, if any, decide the body. A provider error (a broken
 * hash) counts as not authenticated, as Caddy logs it and moves on.
 */
import { handlerModule } from '../../core/registry.js';
import { type Handler, HandlerError } from '../../core/types.js';
import { type Authenticator, compileBasicAuth } from './basic_auth.js';
import { type Authentication, decodeAuthentication } from './config.js';

function provision(config: Authentication): Handler {
  const providers: Authenticator[] = config.providers.map((p) => compileBasicAuth(p));

  return async (ctx, next) => {
    for (const provider of providers) {
      const result = await provider(ctx.req, ctx.w);
      if (result.user === undefined) continue;
      ctx.repl.set('http.auth.user.id', result.user);
      return next();
    }
    throw new HandlerError(401, 'not authenticated');
  };
}

export const authenticationHandler = handlerModule('authentication', { decode: decodeAuthentication, provision });
