/**
 * Caddy's ResponseRecorder (caddyhttp.NewResponseRecorder with a
 * shouldBuffer): when the head is about to go out, `shouldBuffer(status)`
 * decides whether the response streams through untouched or is held back
 * (status, message and body kept here, the header map shared with the
 * writer underneath) for the handler to rewrite. A 1xx passes through and
 * decides nothing. Subclasses: templates (by Content-Type) and intercept
 * (by its handle_response matchers).
 */
import { ResponseWriterWrapper, type WriteCallback } from './response.js';

export const PENDING = 0;
export const STREAM = 1;
export const HELD = 2;

function copyChunk(chunk: Uint8Array | string): Buffer {
  // A copy: the writer may reuse its chunk once the write is acknowledged.
  return typeof chunk === 'string' ? Buffer.from(chunk, 'utf8') : Buffer.from(chunk);
}

export abstract class ResponseRecorder extends ResponseWriterWrapper {
  mode = PENDING;
  /** The status the handlers wrote (rec.Status()). */
  status = 0;
  message: string | undefined;
  chunks: Buffer[] = [];
  ended = false;

  /** Whether to hold the response whose head (status, this.w's headers) is about to go out. */
  protected abstract shouldBuffer(status: number): boolean;

  private decide(status: number): void {
    this.status = status;
    this.mode = this.shouldBuffer(status) ? HELD : STREAM;
  }

  /** The held body, taken (the recorder keeps no copy). */
  takeBody(): Buffer {
    const body = this.chunks.length === 1 ? this.chunks[0]! : Buffer.concat(this.chunks);
    this.chunks = [];
    return body;
  }

  override get statusCode(): number {
    return this.mode === HELD ? this.status : this.w.statusCode;
  }
  override set statusCode(v: number) {
    if (this.mode !== HELD) this.w.statusCode = v;
  }
  override get headersSent(): boolean {
    return this.mode === HELD || this.w.headersSent;
  }
  override get writableEnded(): boolean {
    return this.mode === HELD ? this.ended : this.w.writableEnded;
  }
  override get writableFinished(): boolean {
    return this.mode === HELD ? this.ended : this.w.writableFinished;
  }

  override writeHead(status: number, message?: string): void {
    // 1xx responses are not final: they pass through and decide nothing.
    if (status < 200) {
      this.w.writeHead(status, message);
      return;
    }
    if (this.mode === PENDING) {
      this.message = message;
      this.decide(status);
    }
    if (this.mode === STREAM) this.w.writeHead(status, message);
  }

  override write(chunk: Uint8Array | string, cb?: WriteCallback): boolean {
    if (this.mode === PENDING) this.decide(this.w.statusCode);
    if (this.mode === STREAM) return this.w.write(chunk, cb);
    this.chunks.push(copyChunk(chunk));
    if (cb) process.nextTick(cb);
    return true;
  }

  override onceDrain(cb: () => void): void {
    if (this.mode === HELD) process.nextTick(cb);
    else this.w.onceDrain(cb);
  }

  override end(chunk?: Uint8Array | string, cb?: () => void): void {
    if (this.mode === PENDING) this.decide(this.w.statusCode);
    if (this.mode === STREAM) {
      this.w.end(chunk, cb);
      return;
    }
    if (chunk !== undefined && chunk.length > 0) this.chunks.push(copyChunk(chunk));
    this.ended = true;
    if (cb) process.nextTick(cb);
  }

  /** Caddy's recorder does not flush a response it holds (caddy#6144), nor one undecided. */
  override flush(): void {
    if (this.mode === STREAM) this.w.flush();
  }
}
