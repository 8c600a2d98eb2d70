/**
 * request_body's `set` (newer Caddy): the request body becomes a string.
 * Caddy closes r.Body and puts a reader over the string in its place; here
 * the request object itself must stay (the listener, the access log, the
 * proxy and h2 streams all hold it), so its readable side is started over:
 * a fresh stream state holding the new bytes and their end, and every chunk
 * of the original still arriving is dropped as it comes. The original is
 * pulled to its end all the same, so an HTTP/1.1 connection stays usable for
 * the next request and an HTTP/2 client's upload is never stalled by flow
 * control.
 */
import type { IncomingMessage } from 'node:http';
import { Readable } from 'node:stream';
import { requestStore } from '../../core/header_ops.js';

interface RestartableBody {
  _readableState: unknown;
  _read(size?: number): void;
  push(chunk: unknown, encoding?: BufferEncoding): boolean;
}

// Returning true keeps the parser (h1) or the stream (h2) flowing, so the original is drained.
function dropChunk(): boolean {
  return true;
}

const push = Readable.prototype.push;

/** Replaces the body the handlers after this one read with `body`, and its Content-Length. */
export function replaceRequestBody(req: IncomingMessage, body: Buffer): void {
  const r = req as unknown as RestartableBody;
  const done = req.complete;
  // The state Readable's own methods (read, pipe, async iteration, 'data') all go through.
  r._readableState = (new Readable({ autoDestroy: false }) as unknown as RestartableBody)._readableState;
  r.push = dropChunk;
  if (body.length > 0) push.call(req, body);
  push.call(req, null);
  if (!done) r._read();
  // Caddy sets r.ContentLength, which Go's transport sends; tsweb's proxy reads the fields, and
  // the raw lines too when it believes them current (an HTTP/2 request), so both say the new length.
  const length = String(body.length);
  const h = requestStore(req);
  h.del('transfer-encoding');
  h.set('content-length', [length]);
  const raw = req.rawHeaders;
  let j = 0;
  for (let i = 0; i < raw.length; i += 2) {
    const name = raw[i]!.toLowerCase();
    if (name === 'content-length' || name === 'transfer-encoding') continue;
    raw[j++] = raw[i]!;
    raw[j++] = raw[i + 1]!;
  }
  raw.length = j;
  raw.push('Content-Length', length);
}
