/**
 * request_buffers / response_buffers (Caddy's bufferedBody): up to N bytes
 * of a body (-1: all of it) are read before the proxy goes on. A body that
 * fits is sent whole, with a Content-Length (to an upstream that dislikes
 * chunked uploads; to a client, as Go's writer does for a body written at
 * once), and a request body held whole can be sent again on a retry. A
 * longer one is put back in front of its stream and flows on as usual.
 */
import type { IncomingMessage } from 'node:http';
import type { Readable } from 'node:stream';
import type { Ctx } from '../../core/types.js';
import { detectContentType } from '../../go/sniff.js';
import type { HeaderMap } from './header_map.js';
import { markProxiedResponse } from './via.js';

/**
 * The whole stream when it ends within `limit` bytes (-1: no limit); null
 * when it goes on, its first bytes unshifted so readers see it whole.
 */
export function readUpTo(stream: Readable, limit: number): Promise<Buffer | null> {
  if (stream.readableEnded) return Promise.resolve(Buffer.alloc(0));
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    // Paused mode ('readable' + read()): once the listener goes, the stream is
    // neither flowing nor paused, so the next reader (pipe, 'data') starts it.
    const done = () => {
      stream.off('readable', onReadable);
      stream.off('end', onEnd);
      stream.off('error', onError);
    };
    const onReadable = () => {
      let c: Buffer | null;
      while ((c = stream.read() as Buffer | null) !== null) {
        chunks.push(c);
        size += c.length;
        if (limit >= 0 && size >= limit) {
          done();
          stream.unshift(Buffer.concat(chunks));
          resolve(null);
          return;
        }
      }
    };
    const onEnd = () => {
      done();
      resolve(Buffer.concat(chunks));
    };
    const onError = (err: Error) => {
      done();
      reject(err);
    };
    stream.on('readable', onReadable);
    stream.once('end', onEnd);
    stream.once('error', onError);
  });
}

/** Whether a response of this status to this method has a body to buffer. */
export function hasResponseBody(method: string, status: number): boolean {
  return method !== 'HEAD' && status >= 200 && status !== 204 && status !== 304;
}

/** Sends an upstream response whose body was read whole (the writer adds Content-Length). */
export function sendBuffered(ctx: Ctx, up: IncomingMessage, h: HeaderMap, body: Buffer): void {
  const { w } = ctx;
  markProxiedResponse(w, up.httpVersion);
  for (const [name, values] of h.entries()) for (const v of values) w.appendHeader(name, v);
  w.statusCode = up.statusCode ?? 502;
  if (up.statusMessage) w.statusMessage = up.statusMessage;
  if (body.length > 0 && !h.get('content-type') && !h.get('content-encoding')) w.setHeader('Content-Type', detectContentType(body));
  w.end(body);
}

/** request_buffers: the body when it fits (then sent with its Content-Length), else null (it streams). */
export async function bufferRequestBody(req: IncomingMessage, headers: HeaderMap, limit: number): Promise<Buffer | null> {
  const whole = await readUpTo(req, limit);
  if (whole !== null) headers.set('Content-Length', [String(whole.length)]);
  return whole;
}
