/**
 * What a failed proxy attempt becomes (Caddy's statusError): 503 when no
 * upstream was available, 504 for timeouts, 502 otherwise; messages worded
 * like Go's so logs read the same.
 */
import { HandlerError } from '../../core/types.js';
import { NoUpstreamError } from './retry.js';
import { DialError, UpstreamTimeout } from './transport.js';
import { goErrnoText } from '../../go/errno.js';

export function proxyError(err: unknown): HandlerError {
  if (err instanceof HandlerError) return err;
  if (err instanceof NoUpstreamError) return new HandlerError(503, err.message, err);
  const timeout = err instanceof UpstreamTimeout || (err instanceof DialError && err.timeout);
  const e = err as NodeJS.ErrnoException;
  const message = err instanceof Error ? (goErrnoText(e.code) && !(err instanceof DialError) ? goErrnoText(e.code)! : err.message) : String(err);
  return new HandlerError(timeout ? 504 : 502, message, err);
}
