/**
 * Errors on the request path, as Caddy's caddyhttp/errors.go treats them:
 * every failure becomes a HandlerError with a status (500 when the thrower
 * did not say), the error routes see it through ctx.error and the
 * {http.error.*} placeholders, and an abort closes the connection without
 * any response at all.
 */
import { goStatusText } from '../go/statustext.js';
import type { Ctx } from './types.js';
import { HandlerError } from './types.js';

/**
 * Thrown to drop the connection with no response (static_response `abort`,
 * Caddy's panic(http.ErrAbortHandler)). A throw rather than a socket.destroy()
 * in the handler, so that everything above it unwinds and no error route runs.
 */
export class AbortRequest extends Error {
  override name = 'AbortRequest';
  constructor() {
    super('request aborted');
  }
}

/** Go's reason phrase for a status ("I'm a teapot"), or Go's fallback for codes it does not name. */
export function statusText(code: number): string {
  return goStatusText(code) || `status code ${code}`;
}

/** Anything thrown by a handler, as the HandlerError Caddy would log and route (errLogValues). */
export function toHandlerError(err: unknown): HandlerError {
  if (err instanceof HandlerError) return err;
  const message = err instanceof Error ? err.message : String(err);
  return new HandlerError(500, message, err);
}

/** The status an error answers with: its own, or 500 when it carries none (Caddy: StatusCode 0 → 500). */
export function errorStatus(err: HandlerError): number {
  return err.status >= 100 && err.status <= 999 ? err.status : 500;
}

/**
 * Caddy's HTTPErrorConfig.WithError: the error becomes visible to the error
 * routes (the replacer derives {http.error.*} from ctx.error).
 */
export function withError(ctx: Ctx, err: HandlerError): void {
  ctx.error = err;
}

/** Writes just a status if nothing was written yet (Go's WriteHeader after the fact is a no-op too). */
export function writeStatus(ctx: Ctx, status: number): void {
  const w = ctx.w;
  if (w.headersSent) return;
  w.statusCode = status;
  // Go's reason phrase ("I'm a teapot"), which is what Caddy's clients see.
  w.statusMessage = statusText(status);
}

/**
 * The end of an error route chain: the error's status and nothing else
 * (Caddy's errorEmptyHandler), for error routes that fall through or end
 * in a terminal route.
 */
export function errorEnd(ctx: Ctx): Promise<void> {
  if (ctx.error) writeStatus(ctx, errorStatus(ctx.error));
  return Promise.resolve();
}
