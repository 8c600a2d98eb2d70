/**
 * The writer the cache puts under the handlers after it (mostly
 * reverse_proxy). When their final head is about to go out, `decide` looks
 * at it: 'pass' streams the response to the client while a copy of the body
 * is kept (up to a limit) for the store; 'swallow' keeps it from the client
 * entirely, because the cache answers instead (a 304 to its own validators,
 * or a 5xx while a stale response may be served).
 */
import { type HeaderValue, type ResponseWriter, ResponseWriterWrapper, type WriteCallback } from '../../core/response.js';
import type { Spill } from './disk_store.js';
import { rangeFor } from './range.js';

/** Where a body larger than memory may hold goes while it streams (the disk store), and from what size. */
export interface SpillTarget {
  threshold: number;
  spill(): Spill;
}

/** The client's Range, taken off the request so the origin sends the whole response (which is stored). */
export interface ClientRange {
  range: string;
  ifRange: string | undefined;
}

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
  /** The body past spillTarget.threshold, on its way to disk instead of memory. */
  private spilled: Spill | null = null;
  /** The client's range of the full response: bytes before `skip` and from `skip + take` on are not sent. */
  private skip = 0;
  private take = Infinity;
  private pos = 0;
  /** 206 or 416 when the client's range applies (0: the handlers' status goes out). */
  private rangeStatus = 0;

  constructor(
    w: ResponseWriter,
    private readonly maxBytes: number,
    private readonly decider: Decider,
    private readonly spillTarget?: SpillTarget,
    private readonly clientRange?: ClientRange,
  ) {
    super(w);
  }

  /**
   * The spilled body, once the capture completed (`ok`) and is to be stored;
   * otherwise the temporary file is removed and undefined returned.
   */
  takeSpill(ok: boolean): Spill | undefined {
    const s = this.spilled;
    this.spilled = null;
    if (s === null) return undefined;
    if (ok && this.decision === 'capture' && this.ended && !this.overflow) return s;
    s.discard();
    return undefined;
  }

  /** Turns the origin's full 200 into the client's 206 or 416 (the stored copy stays whole). */
  private applyRange(): void {
    const r = this.clientRange;
    if (r === undefined || this.status !== 200) return;
    const cl = this.headers['content-length'];
    // Without a length, a suffix range or Content-Range's total cannot be known before the end: the client gets the 200.
    if (cl === undefined || Array.isArray(cl)) return;
    const length = Number(cl);
    if (!Number.isSafeInteger(length)) return;
    const a = rangeFor(r.range, r.ifRange, this.headers, length);
    if (a === null) return;
    if (a === 'unsatisfiable') {
      this.take = 0;
      this.w.setHeader('Content-Range', `bytes */${length}`);
      this.w.setHeader('Content-Length', 0);
      this.w.statusCode = this.rangeStatus = 416;
      return;
    }
    this.skip = a.start;
    this.take = a.end - a.start + 1;
    this.w.setHeader('Content-Range', `bytes ${a.start}-${a.end}/${length}`);
    this.w.setHeader('Content-Length', this.take);
    this.w.statusCode = this.rangeStatus = 206;
  }

  /** The part of `chunk` (at this.pos of the full body) that the client's range takes. */
  private clientPart(chunk: Uint8Array | string): Uint8Array | string | null {
    if (this.clientRange === undefined || (this.skip === 0 && this.take === Infinity)) return chunk;
    const b = toBuffer(chunk);
    const from = this.pos;
    this.pos += b.length;
    const lo = Math.max(this.skip, from);
    const hi = Math.min(this.skip + this.take, this.pos);
    return hi > lo ? b.subarray(lo - from, hi - from) : null;
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
    if (this.decision !== 'swallow') this.applyRange();
  }

  private keep(chunk: Uint8Array | string | undefined): void {
    if (this.decision !== 'capture' || this.overflow || chunk === undefined) return;
    const b = toBuffer(chunk);
    if (b.length === 0) return;
    this.bytes += b.length;
    if (this.bytes > this.maxBytes) {
      this.overflow = true;
      this.chunks = [];
      this.spilled?.discard();
      this.spilled = null;
      return;
    }
    const t = this.spillTarget;
    if (this.spilled === null && t !== undefined && this.bytes > t.threshold) {
      this.spilled = t.spill();
      for (const c of this.chunks) this.spilled.write(c);
      this.chunks = [];
    }
    // The caller may reuse its buffer after write() returns.
    if (this.spilled !== null) this.spilled.write(Buffer.from(b));
    else this.chunks.push(Buffer.from(b));
  }

  override writeHead(status: number, message?: string): void {
    if (status < 200) {
      if (this.decision !== 'swallow') this.w.writeHead(status, message);
      return;
    }
    this.decideNow(status);
    if (this.decision !== 'swallow') super.writeHead(this.rangeStatus || status, message);
  }

  override write(chunk: Uint8Array | string, cb?: WriteCallback): boolean {
    this.decideNow(this.w.statusCode);
    if (this.decision === 'swallow') {
      if (cb) process.nextTick(cb);
      return true;
    }
    this.keep(chunk);
    const part = this.clientPart(chunk);
    if (part === null) {
      if (cb) process.nextTick(cb);
      return true;
    }
    return super.write(part, cb);
  }

  override end(chunk?: Uint8Array | string, cb?: () => void): void {
    this.decideNow(this.w.statusCode);
    this.ended = true;
    if (this.decision === 'swallow') {
      if (cb) process.nextTick(cb);
      return;
    }
    this.keep(chunk);
    super.end(chunk === undefined ? undefined : (this.clientPart(chunk) ?? undefined), cb);
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
