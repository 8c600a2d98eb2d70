/**
 * An HTTP/2 request shaped like node:http's IncomingMessage, so the Ctx,
 * the placeholders, the access log and every handler read h1 and h2
 * requests the same way. As Go's http2 server does: the pseudo-headers
 * become the method, target and Host (:authority wins over a Host field),
 * they never appear among the header fields, and several Cookie fields are
 * joined with "; " into one. The body is the stream's DATA, read on demand.
 */
import type { IncomingHttpHeaders, IncomingMessage } from 'node:http';
import type { IncomingHttpHeaders as H2Headers, ServerHttp2Stream } from 'node:http2';
import type { Socket } from 'node:net';
import { Readable } from 'node:stream';

function connReset(): Error {
  return Object.assign(new Error('aborted'), { code: 'ECONNRESET' });
}

const kRequest = Symbol('tsweb.h2request');
type StreamWithRequest = ServerHttp2Stream & { [kRequest]?: H2Request };

/**
 * A stream that closes before its body was read whole (reset, or its
 * connection went away) fails the body, as a cut HTTP/1.1 connection does:
 * whoever reads it (a proxy piping it upstream) stops instead of waiting.
 */
function onStreamClose(this: StreamWithRequest): void {
  const req = this[kRequest];
  if (req !== undefined && !req.complete && !req.destroyed) req.abort();
}

export class H2Request extends Readable {
  readonly httpVersion = '2.0';
  readonly httpVersionMajor = 2;
  readonly httpVersionMinor = 0;
  readonly method: string;
  url: string;
  readonly headers: IncomingHttpHeaders;
  readonly rawHeaders: string[];
  readonly trailers: Record<string, string> = {};
  readonly rawTrailers: string[] = [];
  complete = false;
  aborted = false;
  private distinct: Record<string, string[]> | undefined;
  private wired = false;

  constructor(
    readonly stream: ServerHttp2Stream,
    h2headers: H2Headers,
    raw: readonly string[],
    /** The connection (the TLSSocket for h2, the plain socket for h2c): TLS and address placeholders read it. */
    readonly socket: Socket,
    /** The client ended the stream with its HEADERS: there is no body. */
    bodyless: boolean,
  ) {
    super();
    this.method = (h2headers[':method'] as string | undefined) ?? 'GET';
    this.url = (h2headers[':path'] as string | undefined) ?? '/';
    const authority = h2headers[':authority'] as string | undefined;
    const headers: IncomingHttpHeaders = {};
    const rawHeaders: string[] = authority !== undefined ? ['host', authority] : [];
    let cookies = 0;
    for (let i = 0; i < raw.length; i += 2) {
      const name = raw[i]!;
      if (name.charCodeAt(0) === 58 /* ':' */) continue;
      if (name === 'cookie') cookies++;
      if (name === 'host' && authority !== undefined) continue;
      rawHeaders.push(name, raw[i + 1]!);
    }
    for (const k in h2headers) if (k.charCodeAt(0) !== 58) headers[k] = h2headers[k] as string | string[];
    if (authority !== undefined) headers.host = authority;
    if (cookies > 1) joinCookies(rawHeaders);
    // A body of unknown length (Go's ContentLength -1) reads, to handlers, as a chunked HTTP/1.1 body
    // would, so code that looks for a body in the fields (the proxy) finds one and streams it on.
    if (!bodyless && headers['content-length'] === undefined) {
      headers['transfer-encoding'] = 'chunked';
      rawHeaders.push('transfer-encoding', 'chunked');
    }
    this.headers = headers;
    this.rawHeaders = rawHeaders;
    if (bodyless) {
      this.complete = true;
      this.push(null);
    } else {
      (stream as StreamWithRequest)[kRequest] = this;
      stream.once('close', onStreamClose);
    }
  }

  /** The client went away before the body ended. */
  abort(): void {
    if (this.aborted) return;
    this.aborted = true;
    this.emit('aborted');
    this.destroy(connReset());
  }

  /** As IncomingMessage: `errored` says what happened, but the error is emitted only to someone listening. */
  override _destroy(err: Error | null, cb: (err?: Error | null) => void): void {
    cb(err !== null && this.listenerCount('error') > 0 ? err : null);
  }

  get connection(): Socket {
    return this.socket;
  }

  /** False until something reads headersDistinct (and so may change it): until then rawHeaders say everything (reverse_proxy's fast path). */
  get parsedViewsBuilt(): boolean {
    return this.distinct !== undefined;
  }

  /** Like IncomingMessage's: every value of each field, by lower-case name (built on first use). */
  get headersDistinct(): Record<string, string[]> {
    if (this.distinct === undefined) {
      const out: Record<string, string[]> = {};
      const raw = this.rawHeaders;
      for (let i = 0; i < raw.length; i += 2) (out[raw[i]!] ??= []).push(raw[i + 1]!);
      this.distinct = out;
    }
    return this.distinct;
  }

  setTimeout(ms: number, cb?: () => void): this {
    this.stream.setTimeout(ms, cb);
    return this;
  }

  override _read(): void {
    if (this.wired) {
      this.stream.resume();
      return;
    }
    this.wired = true;
    const { stream } = this;
    stream.on('data', (chunk: Buffer) => {
      if (!this.push(chunk)) stream.pause();
    });
    stream.once('end', () => {
      this.complete = true;
      this.push(null);
    });
    stream.once('aborted', () => {
      if (!this.complete) this.abort();
    });
  }

  /** For the engine's types: the request is read through IncomingMessage's fields only. */
  asIncoming(): IncomingMessage {
    return this as unknown as IncomingMessage;
  }
}

function joinCookies(raw: string[]): void {
  const values: string[] = [];
  let first = -1;
  for (let i = 0; i < raw.length; i += 2) {
    if (raw[i] !== 'cookie') continue;
    values.push(raw[i + 1]!);
    if (first < 0) first = i;
    else {
      raw.splice(i, 2);
      i -= 2;
    }
  }
  raw[first + 1] = values.join('; ');
}
