/**
 * The writer the cache puts under the handlers after it (mostly
 * reverse_proxy). When their final head is about to go out, `decide` looks
 * at it: 'pass' streams the response to the client while a copy of the body
 * is kept (up to a limit) for the store; 'swallow' keeps it from the client
 * entirely, because the cache answers instead (a 304 to its own validators,
 * or a 5xx while a stale response may be served).
 */
import { type HeaderValue, type ResponseWriter, ResponseWriterWrapper, type WriteCallback } from '../../core/response.js';

export type Decision = 'pass' | 'capture' | 'swallow';

export interface Decider {
  decide(cw: CaptureWriter): Decision;
}

function toBuffer(chunk: Uint8Array | string): Buffer {
  if (Buffer.isBuffer(chunk)) return chunk;
  if (typeof chunk === 'string') return Buffer.from(chunk, 'utf8');
  return Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength);
}

export class CaptureWriter extends ResponseWriterWrapper {
  decision: Decision | undefined;
  /** The final status the handlers wrote. */
  status = 0;
  /** The head's headers as the handlers set them, before the cache adds its own. */
  headers: Record<string, HeaderValue> = {};
  private chunks: Buffer[] = [];
  private bytes = 0;
  /** The body grew past the limit (or the response was cut): nothing to store. */
  overflow = false;
  ended = false;

  constructor(
    w: ResponseWriter,
    private readonly maxBytes: number,
    private readonly decider: Decider,
  ) {
    super(w);
  }

  get body(): Buffer {
    return this.chunks.length === 1 ? this.chunks[0]! : Buffer.concat(this.chunks, this.bytes);
  }

  private decideNow(status: number): void {
    if (this.decision !== undefined) return;
    this.status = status;
    const hs = this.w.getHeaders();
    for (const name of Object.keys(hs)) {
      const v = hs[name];
      if (v !== undefined) this.headers[name] = Array.isArray(v) ? [...v] : v;
    }
    this.decision = this.decider.decide(this);
  }

  private keep(chunk: Uint8Array | string | undefined): void {
    if (this.decision !== 'capture' || this.overflow || chunk === undefined) return;
    const b = toBuffer(chunk);
    if (b.length === 0) return;
    this.bytes += b.length;
    if (this.bytes > this.maxBytes) {
      this.overflow = true;
      this.chunks = [];
      return;
    }
    // The caller may reuse its buffer after write() returns.
    this.chunks.push(Buffer.from(b));
  }

  override writeHead(status: number, message?: string): void {
    if (status < 200) {
      if (this.decision !== 'swallow') this.w.writeHead(status, message);
      return;
    }
    this.decideNow(status);
    if (this.decision !== 'swallow') super.writeHead(status, message);
  }

  override write(chunk: Uint8Array | string, cb?: WriteCallback): boolean {
    this.decideNow(this.w.statusCode);
    if (this.decision === 'swallow') {
      if (cb) process.nextTick(cb);
      return true;
    }
    this.keep(chunk);
    return super.write(chunk, cb);
  }

  override end(chunk?: Uint8Array | string, cb?: () => void): void {
    this.decideNow(this.w.statusCode);
    this.ended = true;
    if (this.decision === 'swallow') {
      if (cb) process.nextTick(cb);
      return;
    }
    this.keep(chunk);
    super.end(chunk, cb);
  }

  override flush(): void {
    this.decideNow(this.w.statusCode);
    if (this.decision !== 'swallow') super.flush();
  }

  override get headersSent(): boolean {
    return this.decision === 'swallow' ? true : this.w.headersSent;
  }

  override get writableEnded(): boolean {
    return this.decision === 'swallow' ? this.ended : this.w.writableEnded;
  }

  override get writableFinished(): boolean {
    return this.decision === 'swallow' ? this.ended : this.w.writableFinished;
  }

  override addTrailers(trailers: Readonly<Record<string, string>>): void {
    // Trailers are not stored; a response that has them streams but is not kept.
    this.overflow = true;
    if (this.decision !== 'swallow') this.w.addTrailers(trailers);
  }

  override hijack(): null {
    return null;
  }

  override destroy(err?: Error): void {
    this.overflow = true;
    if (this.decision !== 'swallow') this.w.destroy(err);
  }
}
