/**
 * request_body (Caddy's requestbody.RequestBody; the `request_body`
 * directive): `set` replaces the body with a placeholder-expanded string
 * (replace_body.ts), then `max_size` bounds the request body the handlers after it may
 * read. A declared Content-Length over the limit fails at once with 413
 * (reading it could only fail); a body without one (chunked) is counted as
 * it arrives and fails with 413 for its reader once the count passes the
 * limit — nothing is buffered beyond what Node already holds. Either way
 * the connection closes after the response, as Go's MaxBytesReader makes
 * net/http do, since the rest of the body was never read.
 */
import type { IncomingMessage } from 'node:http';
import { handlerModule } from '../../core/registry.js';
import { decodeRequestBody, type RequestBody } from './config.js';
import { replaceRequestBody } from './replace_body.js';
import type { ResponseWriter } from '../../core/response.js';
import { type Handler, HandlerError } from '../../core/types.js';

/** Go's MaxBytesError text, which Caddy's error carries. */
const TOO_LARGE = 'http: request body too large';

function closeAfterResponse(w: ResponseWriter): void {
  w.closeAfterResponse();
  if (!w.headersSent) w.setHeader('Connection', 'close');
}

/** Chunks Node's HTTP parser hands the request stream, counted before any reader sees them. */
function limitStream(req: IncomingMessage, w: ResponseWriter, max: number): void {
  let seen = req.readableLength;
  let failed = false;
  const fail = () => {
    failed = true;
    closeAfterResponse(w);
    // Fail the body for its reader without tearing down the socket (IncomingMessage's
    // own _destroy would), so the 413 can still be written; the socket closes after it.
    (req as unknown as { _destroy: (err: Error | null, cb: (err?: Error | null) => void) => void })._destroy = (err, cb) => cb(err);
    // Nobody may be reading: the failure must not become an unhandled 'error'.
    req.on('error', () => {});
    req.destroy(new HandlerError(413, TOO_LARGE));
  };
  if (seen > max) {
    fail();
    return;
  }
  const push = req.push;
  req.push = function limitedPush(this: IncomingMessage, chunk: unknown, encoding?: BufferEncoding): boolean {
    if (failed) return false; // drop the rest; returning false also stops reading the socket
    if (chunk !== null && chunk !== undefined) {
      seen += typeof chunk === 'string' ? Buffer.byteLength(chunk, encoding) : (chunk as Uint8Array).length;
      if (seen > max) {
        fail();
        return false;
      }
    }
    return push.call(this, chunk, encoding);
  };
}

function provision({ maxSize: max, set }: RequestBody): Handler {
  if (set !== null) {
    return (ctx, next) => {
      const body = Buffer.from(set(ctx.repl), 'utf8');
      replaceRequestBody(ctx.req, body);
      // Caddy's MaxBytesReader over the new body fails its reader; the length is known now.
      if (max !== 0 && body.length > max) {
        closeAfterResponse(ctx.w);
        throw new HandlerError(413, TOO_LARGE);
      }
      return next();
    };
  }
  if (max === 0) return (_ctx, next) => next();
  return (ctx, next) => {
    const { req, w } = ctx;
    const declared = req.headers['content-length'];
    if (declared !== undefined) {
      // Node's parser already refuses bodies longer than their Content-Length.
      if (Number(declared) > max) {
        closeAfterResponse(w);
        throw new HandlerError(413, TOO_LARGE);
      }
    } else if (!req.complete) {
      limitStream(req, w, max);
    }
    return next();
  };
}

export const requestBodyHandler = handlerModule('request_body', { decode: decodeRequestBody, provision });
