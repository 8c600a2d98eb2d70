/**
 * The ResponseWriter over an HTTP/2 stream (node:http2's ServerHttp2Stream),
 * behaving as node_response.ts does for HTTP/1.1 wherever a handler can
 * tell, and as Go's http2 server does where HTTP/2 differs:
 *
 * - the header map is ours until the head goes out; then it becomes one
 *   HEADERS frame. Connection-specific fields (Connection, Keep-Alive,
 *   Proxy-Connection, Transfer-Encoding, Upgrade) are dropped, and
 *   `Connection: close` (or closeAfterResponse) ends the connection
 *   gracefully (GOAWAY) after this response, as Go does;
 * - end(body) before the head declares Content-Length, as both do;
 * - HEAD, 204 and 304 responses carry no DATA;
 * - trailers can be sent when the client said `TE: trailers` or the head
 *   declared a Trailer field (the stream must know before the head);
 * - there is no hijack: upgrades do not exist in HTTP/2 (extended CONNECT
 *   is not served);
 * - push() promises a resource on the stream (Go's http.Pusher); the
 *   front (h2_server.ts) serves the promised request.
 */
import { validateHeaderName, validateHeaderValue } from 'node:http';
import { constants, type Http2Session, type ServerHttp2Stream } from 'node:http2';
import type { Writable } from 'node:stream';
import { type HeaderValue, type Hijacked, type ResponseWriter, type WriteCallback, WriterStream } from '../../core/response.js';
import type { H2Request } from './h2_request.js';

/** What serves a pushed stream: the listener's HTTP/2 front (h2_server.ts), which knows the current Server. */
export interface H2Pusher {
  push(parent: ServerHttp2Stream, origin: H2Request, method: string, target: string, headers: Readonly<Record<string, string | readonly string[]>>): boolean;
}

const CONNECTION_SPECIFIC = new Set(['connection', 'keep-alive', 'proxy-connection', 'transfer-encoding', 'upgrade']);

/** Fields node:http2 refuses to send twice (its kSingleValueHeaders); the first value is kept. */
const SINGLE_VALUE = new Set([
  'access-control-allow-credentials', 'access-control-max-age', 'access-control-request-method', 'age', 'authorization',
  'content-encoding', 'content-language', 'content-length', 'content-location', 'content-md5', 'content-range', 'content-type',
  'date', 'dnt', 'etag', 'expires', 'from', 'host', 'if-match', 'if-modified-since', 'if-none-match', 'if-range',
  'if-unmodified-since', 'last-modified', 'location', 'max-forwards', 'proxy-authorization', 'range', 'referer',
  'retry-after', 'tk', 'upgrade-insecure-requests', 'user-agent', 'x-content-type-options',
]);

function hasClose(v: HeaderValue | undefined): boolean {
  if (v === undefined) return false;
  const s = Array.isArray(v) ? v.join(',') : String(v);
  return /(^|,)\s*close\s*($|,)/i.test(s);
}

function ignore(): void {}

export class H2ResponseWriter implements ResponseWriter {
  /** Body bytes handed to write()/end(), when counting (Caddy's access log `size`). */
  written = 0;
  /** performance.now() when the final head went out, when counting; 0 before. */
  headAt = 0;
  statusCode = 200;
  statusMessage = '';
  private headers: Record<string, HeaderValue> = Object.create(null) as Record<string, HeaderValue>;
  private sent = false;
  private ended = false;
  private noBody: boolean;
  private closeConn = false;
  private trailers: Record<string, string> | null = null;
  private waitTrailers = false;

  constructor(
    private readonly stream: ServerHttp2Stream,
    /** Count body bytes and the head's time (the server logs requests or collects metrics). */
    private readonly count: boolean,
    /** A HEAD request: the head only. */
    head: boolean,
    /** The client accepts trailers (`TE: trailers`, as gRPC clients send). */
    private readonly teTrailers: boolean,
    /** Server push: the front that serves promised streams, and the request this responds to. */
    private readonly pusher: H2Pusher | null = null,
    private readonly origin: H2Request | null = null,
  ) {
    this.noBody = head;
    stream.on('error', ignore);
  }

  getHeader(name: string): HeaderValue | undefined {
    return this.headers[name.toLowerCase()];
  }
  setHeader(name: string, value: number | string | readonly string[]): void {
    validateHeaderName(name);
    validateHeaderValue(name, value as string);
    this.headers[name.toLowerCase()] = typeof value === 'object' ? [...value] : value;
  }
  appendHeader(name: string, value: string | readonly string[]): void {
    validateHeaderName(name);
    validateHeaderValue(name, value as string);
    const key = name.toLowerCase();
    const old = this.headers[key];
    const add = typeof value === 'string' ? [value] : [...value];
    if (old === undefined) this.headers[key] = add.length === 1 ? add[0]! : add;
    else this.headers[key] = (Array.isArray(old) ? old : [String(old)]).concat(add);
  }
  removeHeader(name: string): void {
    delete this.headers[name.toLowerCase()];
  }
  hasHeader(name: string): boolean {
    return this.headers[name.toLowerCase()] !== undefined;
  }
  getHeaderNames(): string[] {
    return Object.keys(this.headers);
  }
  getHeaders(): Readonly<Record<string, HeaderValue | undefined>> {
    return this.headers;
  }

  get headersSent(): boolean {
    return this.sent;
  }
  get writableEnded(): boolean {
    return this.ended;
  }
  get writableFinished(): boolean {
    // A stream reset by the client counts as finished in node:http2; for handlers only a response that ended is.
    return this.ended && this.stream.writableFinished;
  }
  get destroyed(): boolean {
    return this.stream.destroyed;
  }

  /** The HEADERS frame's fields: the map without what HTTP/2 forbids. */
  private fields(status: number): string[] {
    const out: string[] = [':status', String(status)];
    const h = this.headers;
    for (const name in h) {
      const v = h[name]!;
      if (CONNECTION_SPECIFIC.has(name)) {
        if (name === 'connection' && hasClose(v)) this.closeConn = true;
        continue;
      }
      if (name === 'te') continue;
      if (Array.isArray(v)) {
        if (v.length === 0) continue;
        if (SINGLE_VALUE.has(name)) out.push(name, v[0]!);
        else for (const one of v) out.push(name, one);
      } else out.push(name, String(v));
    }
    return out;
  }

  /** Sends the final head; `last` when no DATA will follow. */
  private respond(last: boolean): void {
    if (this.sent) return;
    this.sent = true;
    if (this.count && this.headAt === 0) this.headAt = performance.now();
    const status = this.statusCode;
    if (status === 204 || status === 304) this.noBody = true;
    // A response ending with its head and no trailers yet is one HEADERS frame with END_STREAM:
    // gRPC's "trailers-only" errors depend on it (grpc-status in that frame).
    this.waitTrailers = !this.noBody && !(last && this.trailers === null) && (this.teTrailers || this.trailers !== null || this.headers.trailer !== undefined);
    const fields = this.fields(status);
    const stream = this.stream;
    if (stream.destroyed || stream.closed) return;
    const endStream = (last || this.noBody) && !this.waitTrailers;
    if (this.waitTrailers) stream.once('wantTrailers', () => stream.sendTrailers(this.trailers ?? {}));
    stream.respond(fields, { endStream, waitForTrailers: this.waitTrailers });
  }

  writeHead(status: number, _message?: string): void {
    if (status < 200) {
      // 1xx: an interim HEADERS frame with the map as it is now (Go sends the current header for 103).
      if (this.sent || this.stream.destroyed) return;
      this.stream.additionalHeaders(status === 100 ? { ':status': 100 } : Object.fromEntries(pairs(this.fields(status))));
      return;
    }
    this.statusCode = status;
    this.respond(false);
  }

  write(chunk: Uint8Array | string, cb?: WriteCallback): boolean {
    this.respond(false);
    if (this.count) this.written += typeof chunk === 'string' ? Buffer.byteLength(chunk) : chunk.byteLength;
    if (this.noBody || this.stream.destroyed) {
      if (cb) queueMicrotask(() => cb());
      return true;
    }
    return this.stream.write(chunk, cb);
  }
  onceDrain(cb: () => void): void {
    this.stream.once('drain', cb);
  }
  end(chunk?: Uint8Array | string, cb?: () => void): void {
    if (this.ended) return;
    this.ended = true;
    const len = chunk === undefined ? 0 : typeof chunk === 'string' ? Buffer.byteLength(chunk) : chunk.byteLength;
    if (this.count) this.written += len;
    if (!this.sent) {
      const status = this.statusCode;
      if (this.headers['content-length'] === undefined && status !== 204 && status !== 304 && !(status >= 100 && status < 200)) {
        this.headers['content-length'] = len;
      }
      this.respond(len === 0);
    }
    const stream = this.stream;
    if (stream.destroyed) {
      if (cb) queueMicrotask(cb);
    } else if (this.noBody || len === 0) {
      // The head may have ended the stream already (HEAD, 204, 304, an empty body).
      if (!stream.writableEnded) stream.end(cb);
      else if (cb) {
        if (stream.writableFinished) queueMicrotask(cb);
        else stream.once('finish', cb);
      }
    } else stream.end(chunk, cb);
    if (this.closeConn) {
      // The stream forgets its session once closed: take it now.
      const session = stream.session;
      if (session !== undefined) stream.once('close', () => closeSession(session));
    }
  }
  flush(): void {
    this.respond(false);
  }
  addTrailers(trailers: Readonly<Record<string, string>>): void {
    if (!this.waitTrailers && this.sent) return;
    this.trailers = { ...this.trailers, ...trailers };
  }
  asWritable(): Writable {
    return new WriterStream(this);
  }

  closeAfterResponse(): void {
    this.closeConn = true;
  }
  destroy(_err?: Error): void {
    // Go's answer to an aborted handler on HTTP/2: RST_STREAM INTERNAL_ERROR, the connection stays.
    if (!this.stream.destroyed) this.stream.close(constants.NGHTTP2_INTERNAL_ERROR);
  }
  onClose(cb: () => void): void {
    // A stream reset before the handler got here has already closed: tell it now, not never.
    if (this.stream.closed || this.stream.destroyed) queueMicrotask(cb);
    else this.stream.on('close', cb);
  }
  offClose(cb: () => void): void {
    this.stream.off('close', cb);
  }
  hijack(): Hijacked | null {
    return null;
  }
  push(method: string, target: string, headers: Readonly<Record<string, string | readonly string[]>>): boolean {
    return this.pusher !== null && this.origin !== null && this.pusher.push(this.stream, this.origin, method, target, headers);
  }
}

function closeSession(s: Http2Session): void {
  if (!s.closed && !s.destroyed) s.close();
}

function pairs(flat: string[]): Array<[string, string]> {
  const out: Array<[string, string]> = [];
  for (let i = 0; i < flat.length; i += 2) out.push([flat[i]!, flat[i + 1]!]);
  return out;
}
