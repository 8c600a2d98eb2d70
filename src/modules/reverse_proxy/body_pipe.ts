/**
 * The client's body on its way upstream. A reader earlier in the route may
 * fail it with an HTTP status (request_body's max_size: 413); then the
 * upstream request is aborted with that error at once, and the error is the
 * client's answer, not an upstream failure: no retry, no passive-health
 * count (Caddy answers 413 as soon as the MaxBytesReader trips).
 */
import type { ClientRequest, IncomingMessage } from 'node:http';
import { HandlerError } from '../../core/types.js';

/** The client's body failed with this status; proxyError passes it through as is. */
export class ClientBodyError extends HandlerError {
  constructor(err: HandlerError) {
    super(err.status, err.message, err.cause, err.id);
  }
}

// Other failures (the client went away) are the handler's onClose business.
function abortWith(creq: ClientRequest, err: Error): void {
  if (err instanceof HandlerError) creq.destroy(new ClientBodyError(err));
}

/** Streams `req` into `creq` with backpressure; a failed body aborts the upstream request. */
export function pipeBody(req: IncomingMessage, creq: ClientRequest): void {
  // Failed while nobody was reading (before the upstream connected).
  if (req.errored !== null) return abortWith(creq, req.errored);
  req.once('error', (err) => abortWith(creq, err));
  req.pipe(creq);
}

/** The client-side error that ended an attempt, if that is what ended it. */
export function clientBodyError(err: unknown): ClientBodyError | null {
  return err instanceof ClientBodyError ? err : null;
}
