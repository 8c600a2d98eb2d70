/**
 * The response as handlers see it, split the way Go's http.ResponseWriter,
 * Flusher and Hijacker split it: a header map changeable until the head
 * goes out, the head (status, then headers, committed once), a body
 * written with backpressure, flush, trailers, and taking the connection
 * over for an upgrade. The listener layer implements it over node:http
 * (src/apps/http/node_response.ts); an HTTP/2 stream can implement the same.
 *
 * Middleware that needs to see or change what the handlers after it write
 * (encode, deferred header ops) wraps the writer (ResponseWriterWrapper),
 * installs the wrapper as ctx.w for the rest of its chain and puts the
 * previous writer back afterwards, as Caddy's ResponseWriterWrapper is
 * passed down: a wrapper sees only what the handlers after it write, never
 * what error routes write later. Nothing is wrapped on a request whose
 * middleware does not ask for it.
 */
import { Writable } from 'node:stream';
import type { Duplex } from 'node:stream';

/** A header's value as the map holds it: one line, several lines, or a number (Content-Length). */
export type HeaderValue = number | string | string[];

/** The connection, taken over from the server for a protocol upgrade. */
export interface Hijacked {
  socket: Duplex;
  /** Bytes the client sent after the request head (the first of the new protocol). */
  head: Buffer;
}

export type WriteCallback = (err?: Error | null) => void;

export interface ResponseWriter {
  // ---- the header map (Go's Header()); names are case-insensitive ----
  getHeader(name: string): HeaderValue | undefined;
  setHeader(name: string, value: number | string | readonly string[]): void;
  appendHeader(name: string, value: string | readonly string[]): void;
  removeHeader(name: string): void;
  hasHeader(name: string): boolean;
  /** Present names, lower-cased. */
  getHeaderNames(): string[];
  /** The map itself, by lower-cased name, without copying values: read only. */
  getHeaders(): Readonly<Record<string, HeaderValue | undefined>>;

  // ---- the head ----
  /** The status the head will carry (settable until it is sent). */
  statusCode: number;
  /** The reason phrase (HTTP/1.x only); '' = the protocol's default. */
  statusMessage: string;
  /**
   * Commits the head (Go's WriteHeader); 1xx statuses go out as interim
   * responses. write(), end() and flush() commit it with statusCode when
   * nobody did.
   */
  writeHead(status: number, message?: string): void;
  readonly headersSent: boolean;

  // ---- the body ----
  /** Returns false when the caller should wait for onceDrain before writing more. */
  write(chunk: Uint8Array | string, cb?: WriteCallback): boolean;
  /** After write() returned false: `cb` runs once the writer takes more. */
  onceDrain(cb: () => void): void;
  /** Ends the response; `cb` runs once everything is handed to the connection. */
  end(chunk?: Uint8Array | string, cb?: () => void): void;
  /** Sends what is buffered now, the head included (Go's Flusher), and stops delaying small writes. */
  flush(): void;
  /** Trailer fields, sent after the body (chunked HTTP/1.1, HTTP/2). */
  addTrailers(trailers: Readonly<Record<string, string>>): void;
  readonly writableEnded: boolean;
  /** Everything was handed to the connection. */
  readonly writableFinished: boolean;
  /** A Writable over this writer, for piping a stream into the response with backpressure. */
  asWritable(): Writable;

  // ---- the connection ----
  /** The connection closes after this response instead of staying open for another request. */
  closeAfterResponse(): void;
  /** Cuts the connection: the client sees a truncated response. */
  destroy(err?: Error): void;
  readonly destroyed: boolean;
  /**
   * `cb` runs when the response is over: finished, or the client went away
   * (then writableFinished is false). Handlers streaming a body stop on it.
   */
  onClose(cb: () => void): void;
  offClose(cb: () => void): void;
  /** Takes the connection over (an upgrade request only, once); null otherwise. */
  hijack(): Hijacked | null;

  // ---- HTTP/2 server push (Go's http.Pusher) ----
  /**
   * Promises `target` (an absolute path, or an absolute URL of this
   * request's scheme) on this response's connection and serves it through
   * the server's routes as a `method` (GET or HEAD) request with `headers`
   * (names in any case), as Go's Push does. False when no push could be made:
   * the client disabled push, the stream is itself a push or is closed, the
   * target or headers are not allowed. Absent on HTTP/1.x writers.
   */
  push?(method: string, target: string, headers: Readonly<Record<string, string | readonly string[]>>): boolean;
}

/**
 * The writer a listener hands the server (over node:http or an HTTP/2
 * stream): it also counts body bytes and the time of the head, when the
 * server asked it to (access log `size`, metrics).
 */
export interface CountingResponseWriter extends ResponseWriter {
  /** Body bytes handed to write()/end() so far. */
  readonly written: number;
  /** performance.now() when the final head went out; 0 before. */
  readonly headAt: number;
}

/**
 * Forwards everything to the writer it wraps; a subclass overrides what it
 * changes. beforeHead runs once, right before the final head goes out by
 * any path (writeHead, or the first write, end or flush), with the headers
 * still changeable: Go's WriteHeader as wrappers see it. A head the writer
 * below commits implicitly stays implicit, so an end(body) still gets its
 * Content-Length from Node.
 */
export class ResponseWriterWrapper implements ResponseWriter {
  /** The final head went out, or beforeHead ran for it. */
  protected wroteHeader = false;

  constructor(protected readonly w: ResponseWriter) {}

  /** The writer wrapped. */
  unwrap(): ResponseWriter {
    return this.w;
  }

  getHeader(name: string): HeaderValue | undefined {
    return this.w.getHeader(name);
  }
  setHeader(name: string, value: number | string | readonly string[]): void {
    this.w.setHeader(name, value);
  }
  appendHeader(name: string, value: string | readonly string[]): void {
    this.w.appendHeader(name, value);
  }
  removeHeader(name: string): void {
    this.w.removeHeader(name);
  }
  hasHeader(name: string): boolean {
    return this.w.hasHeader(name);
  }
  getHeaderNames(): string[] {
    return this.w.getHeaderNames();
  }
  getHeaders(): Readonly<Record<string, HeaderValue | undefined>> {
    return this.w.getHeaders();
  }

  get statusCode(): number {
    return this.w.statusCode;
  }
  set statusCode(v: number) {
    this.w.statusCode = v;
  }
  get statusMessage(): string {
    return this.w.statusMessage;
  }
  set statusMessage(v: string) {
    this.w.statusMessage = v;
  }
  get headersSent(): boolean {
    return this.w.headersSent;
  }
  get writableEnded(): boolean {
    return this.w.writableEnded;
  }
  get writableFinished(): boolean {
    return this.w.writableFinished;
  }
  get destroyed(): boolean {
    return this.w.destroyed;
  }

  /** Runs once, right before the final (non-1xx) head goes out; the headers can still change. */
  protected beforeHead(_status: number): void {}

  private head(status: number): void {
    this.wroteHeader = true;
    if (!this.w.headersSent && !this.w.writableEnded) this.beforeHead(status);
  }

  writeHead(status: number, message?: string): void {
    if (status >= 200 && !this.wroteHeader) this.head(status);
    this.w.writeHead(status, message);
  }
  write(chunk: Uint8Array | string, cb?: WriteCallback): boolean {
    if (!this.wroteHeader) this.head(this.w.statusCode);
    return this.w.write(chunk, cb);
  }
  onceDrain(cb: () => void): void {
    this.w.onceDrain(cb);
  }
  end(chunk?: Uint8Array | string, cb?: () => void): void {
    if (!this.wroteHeader) this.head(this.w.statusCode);
    this.w.end(chunk, cb);
  }
  flush(): void {
    if (!this.wroteHeader) this.head(this.w.statusCode);
    this.w.flush();
  }
  addTrailers(trailers: Readonly<Record<string, string>>): void {
    this.w.addTrailers(trailers);
  }
  asWritable(): Writable {
    return new WriterStream(this);
  }
  closeAfterResponse(): void {
    this.w.closeAfterResponse();
  }
  destroy(err?: Error): void {
    this.w.destroy(err);
  }
  onClose(cb: () => void): void {
    this.w.onClose(cb);
  }
  offClose(cb: () => void): void {
    this.w.offClose(cb);
  }
  hijack(): Hijacked | null {
    return this.w.hijack();
  }
  /** Caddy's wrapper is a Pusher whatever it wraps; pushing fails where the writer below cannot push. */
  push(method: string, target: string, headers: Readonly<Record<string, string | readonly string[]>>): boolean {
    return this.w.push?.(method, target, headers) ?? false;
  }
}

function prematureClose(): Error {
  return Object.assign(new Error('Premature close'), { code: 'ERR_STREAM_PREMATURE_CLOSE' });
}

/**
 * A Writable over a ResponseWriter: writes wait for onceDrain, the end
 * waits for the response to finish, and a client that goes away first
 * destroys the stream (so a pipeline feeding it stops and cleans up).
 */
export class WriterStream extends Writable {
  private readonly gone = (): void => {
    if (!this.w.writableFinished) this.destroy(prematureClose());
  };

  constructor(private readonly w: ResponseWriter) {
    super();
    w.onClose(this.gone);
  }

  override _write(chunk: Buffer, _encoding: BufferEncoding, cb: WriteCallback): void {
    if (this.w.write(chunk)) cb();
    else this.w.onceDrain(() => cb());
  }

  override _final(cb: WriteCallback): void {
    this.w.end(undefined, () => cb());
  }

  override _destroy(err: Error | null, cb: WriteCallback): void {
    this.w.offClose(this.gone);
    // The source failed, or the client left: nothing can complete this response.
    if (err !== null && !this.w.destroyed) this.w.destroy();
    cb(err);
  }
}
