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
import { HandlerError } from '../../core/types.js';
import { type Authenticator, compileBasicAuth } from './basic_auth.js';

const providerModules: Record<string, (config: Record<string, unknown>) => Authenticator> = {
  http_basic: compileBasicAuth,
};

export const authenticationHandler = handlerModule('authentication', (config) => {
  const providers: Authenticator[] = [];
  const raw = config.providers ?? {};
  if (raw === null || typeof raw !== 'object' || Array.isArray(raw)) throw new Error('providers: must be an object');
  for (const [name, cfg] of Object.entries(raw as Record<string, unknown>)) {
    const make = providerModules[name];
    if (make === undefined) throw new Error(`loading authentication providers: unknown module: http.authentication.providers.${name}`);
    if (cfg === null || typeof cfg !== 'object' || Array.isArray(cfg)) throw new Error(`providers.${name}: must be an object`);
    try {
      providers.push(make(cfg as Record<string, unknown>));
    } catch (err) {
      throw new Error(`loading authentication providers: position ${name}: ${(err as Error).message}`);
    }
  }

  return async (ctx, next) => {
    for (const provider of providers) {
      const result = await provider(ctx.req, ctx.w);
      if (result.user === undefined) continue;
      ctx.repl.set('http.auth.user.id', result.user);
      return next();
    }
    throw new HandlerError(401, 'not authenticated');
  };
});
