/**
 * The ResponseWriter over node:http's ServerResponse: the only place the
 * engine's handlers reach Node's response (besides the listeners that
 * create it). Each call is one forward; the access log's body-size count
 * and the metrics' time of the head live here too (on only for servers that
 * log or collect metrics), so such a request needs no wrapper.
 */
import type { ServerResponse } from 'node:http';
import type { Writable } from 'node:stream';
import { type HeaderValue, type Hijacked, type ResponseWriter, type WriteCallback, WriterStream } from '../../core/response.js';

export class NodeResponseWriter implements ResponseWriter {
  /** Body bytes handed to write()/end(), when counting (Caddy's access log `size`). */
  written = 0;
  /** performance.now() when the final head went out, when counting (the metrics' time to first byte); 0 before. */
  headAt = 0;
  private claimed = false;

  constructor(
    private readonly res: ServerResponse,
    /** Count body bytes (the server logs requests). */
    private readonly count: boolean,
    /** The raw connection of an upgrade request, which a handler may take over. */
    private readonly upgrade: Hijacked | null = null,
  ) {}

  getHeader(name: string): HeaderValue | undefined {
    return this.res.getHeader(name);
  }
  setHeader(name: string, value: number | string | readonly string[]): void {
    this.res.setHeader(name, value);
  }
  appendHeader(name: string, value: string | readonly string[]): void {
    this.res.appendHeader(name, value);
  }
  removeHeader(name: string): void {
    this.res.removeHeader(name);
  }
  hasHeader(name: string): boolean {
    return this.res.hasHeader(name);
  }
  getHeaderNames(): string[] {
    return this.res.getHeaderNames();
  }
  getHeaders(): Readonly<Record<string, HeaderValue | undefined>> {
    return this.res.getHeaders();
  }

  get statusCode(): number {
    return this.res.statusCode;
  }
  set statusCode(v: number) {
    this.res.statusCode = v;
  }
  get statusMessage(): string {
    return this.res.statusMessage;
  }
  set statusMessage(v: string) {
    this.res.statusMessage = v;
  }
  get headersSent(): boolean {
    return this.res.headersSent;
  }
  get writableEnded(): boolean {
    return this.res.writableEnded;
  }
  get writableFinished(): boolean {
    return this.res.writableFinished;
  }
  get destroyed(): boolean {
    return this.res.destroyed;
  }

  /** The final head goes out now (when counting, and only its first time). */
  private markHead(): void {
    if (this.headAt === 0) this.headAt = performance.now();
  }

  /** Counts a body chunk and marks the head, which a body write commits. */
  private countBody(chunk: Uint8Array | string | undefined): void {
    this.markHead();
    if (chunk !== undefined) this.written += typeof chunk === 'string' ? Buffer.byteLength(chunk) : chunk.byteLength;
  }

  writeHead(status: number, message?: string): void {
    // 1xx but 101: an interim response, as the interface says; node:http's writeHead would commit the final head.
    if (status >= 100 && status < 200 && status !== 101) return this.interim(status);
    if (this.count && status >= 200) this.markHead();
    if (message === undefined) this.res.writeHead(status);
    else this.res.writeHead(status, message);
  }

  /** Go writes a 1xx with the header map as it is now; node:http has a writer per code (103: the map must hold a Link). */
  private interim(status: number): void {
    const res = this.res;
    if (res.headersSent) return;
    if (status === 100) res.writeContinue();
    else if (status === 102) res.writeProcessing();
    else if (status === 103) {
      const hints: Record<string, string | string[]> = {};
      for (const [k, v] of Object.entries(res.getHeaders())) if (v !== undefined) hints[k] = typeof v === 'number' ? String(v) : v;
      res.writeEarlyHints(hints);
    }
  }

  write(chunk: Uint8Array | string, cb?: WriteCallback): boolean {
    if (this.count) this.countBody(chunk);
    return this.res.write(chunk, cb);
  }
  onceDrain(cb: () => void): void {
    this.res.once('drain', cb);
  }
  end(chunk?: Uint8Array | string, cb?: () => void): void {
    if (this.count) this.countBody(chunk);
    this.res.end(chunk, cb);
  }
  flush(): void {
    if (!this.res.headersSent) {
      if (this.count) this.markHead();
      this.res.flushHeaders();
    }
    this.res.socket?.setNoDelay(true);
  }
  addTrailers(trailers: Readonly<Record<string, string>>): void {
    this.res.addTrailers(trailers);
  }
  asWritable(): Writable {
    // Uncounted, Node's own stream takes the pipe directly.
    return this.count ? new WriterStream(this) : this.res;
  }

  closeAfterResponse(): void {
    this.res.shouldKeepAlive = false;
  }
  destroy(err?: Error): void {
    this.res.destroy(err);
  }
  onClose(cb: () => void): void {
    this.res.on('close', cb);
  }
  offClose(cb: () => void): void {
    this.res.off('close', cb);
  }

  /** The response stops writing to the socket; the caller owns the connection (and must close it). */
  hijack(): Hijacked | null {
    const u = this.upgrade;
    if (u === null || this.claimed) return null;
    this.claimed = true;
    this.res.detachSocket(u.socket as never);
    return u;
  }
}
