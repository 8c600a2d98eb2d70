/**
 * Errors on the request path, as Caddy's caddyhttp/errors.go treats them:
 * every failure becomes a HandlerError with a status (500 when the thrower
 * did not say), the error routes see it through ctx.error and the
 * {http.error.*} placeholders, and an abort closes the connection without
 * any response at all.
 */
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

/** Go's http.StatusText: Caddy's {http.error.status_text} uses Go's wording, not Node's. */
const goStatusText: Record<number, string> = {
  100: 'Continue', 101: 'Switching Protocols', 102: 'Processing', 103: 'Early Hints',
  200: 'OK', 201: 'Created', 202: 'Accepted', 203: 'Non-Authoritative Information', 204: 'No Content',
  205: 'Reset Content', 206: 'Partial Content', 207: 'Multi-Status', 208: 'Already Reported', 226: 'IM Used',
  300: 'Multiple Choices', 301: 'Moved Permanently', 302: 'Found', 303: 'See Other', 304: 'Not Modified',
  305: 'Use Proxy', 307: 'Temporary Redirect', 308: 'Permanent Redirect',
  400: 'Bad Request', 401: 'Unauthorized', 402: 'Payment Required', 403: 'Forbidden', 404: 'Not Found',
  405: 'Method Not Allowed', 406: 'Not Acceptable', 407: 'Proxy Authentication Required', 408: 'Request Timeout',
  409: 'Conflict', 410: 'Gone', 411: 'Length Required', 412: 'Precondition Failed', 413: 'Request Entity Too Large',
  414: 'Request URI Too Long', 415: 'Unsupported Media Type', 416: 'Requested Range Not Satisfiable',
  417: 'Expectation Failed', 418: "I'm a teapot", 421: 'Misdirected Request', 422: 'Unprocessable Entity',
  423: 'Locked', 424: 'Failed Dependency', 425: 'Too Early', 426: 'Upgrade Required', 428: 'Precondition Required',
  429: 'Too Many Requests', 431: 'Request Header Fields Too Large', 451: 'Unavailable For Legal Reasons',
  500: 'Internal Server Error', 501: 'Not Implemented', 502: 'Bad Gateway', 503: 'Service Unavailable',
  504: 'Gateway Timeout', 505: 'HTTP Version Not Supported', 506: 'Variant Also Negotiates',
  507: 'Insufficient Storage', 508: 'Loop Detected', 510: 'Not Extended', 511: 'Network Authentication Required',
};

export function statusText(code: number): string {
  return goStatusText[code] ?? '';
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
 * routes. ctx.error is what handlers read; the placeholders are set too so
 * that {http.error.*} does not depend on how the replacer resolves them.
 */
export function withError(ctx: Ctx, err: HandlerError): void {
  ctx.error = err;
  const repl = ctx.repl;
  repl.set('http.error.status_code', err.status);
  repl.set('http.error.status_text', statusText(err.status));
  repl.set('http.error.id', err.id);
  repl.set('http.error.trace', '');
  repl.set('http.error.message', err.message);
}

/** Writes just a status if nothing was written yet (Go's WriteHeader after the fact is a no-op too). */
export function writeStatus(ctx: Ctx, status: number): void {
  if (ctx.res.headersSent) return;
  ctx.res.statusCode = status;
  // Go's reason phrase ("I'm a teapot"), which is what Caddy's clients see.
  ctx.res.statusMessage = statusText(status) || `status code ${status}`;
}
