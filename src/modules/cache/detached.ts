/**
 * A ResponseWriter with no client behind it, for a revalidation the cache
 * runs after it already answered from a stale response
 * (stale-while-revalidate): the handlers after the cache write into it as
 * usual and the CaptureWriter above it keeps what they send.
 */
import { type HeaderValue, type Hijacked, type ResponseWriter, type WriteCallback, WriterStream } from '../../core/response.js';
import type { Writable } from 'node:stream';

export class DetachedWriter implements ResponseWriter {
  private readonly map: Record<string, HeaderValue> = {};
  private readonly closers = new Set<() => void>();
  statusCode = 200;
  statusMessage = '';
  headersSent = false;
  writableEnded = false;
  writableFinished = false;
  destroyed = false;

  getHeader(name: string): HeaderValue | undefined {
    return this.map[name.toLowerCase()];
  }
  setHeader(name: string, value: number | string | readonly string[]): void {
    this.map[name.toLowerCase()] = typeof value === 'object' ? [...value] : value;
  }
  appendHeader(name: string, value: string | readonly string[]): void {
    const k = name.toLowerCase();
    const old = this.map[k];
    const add = typeof value === 'string' ? [value] : [...value];
    this.map[k] = old === undefined ? add : [...(Array.isArray(old) ? old : [String(old)]), ...add];
  }
  removeHeader(name: string): void {
    delete this.map[name.toLowerCase()];
  }
  hasHeader(name: string): boolean {
    return name.toLowerCase() in this.map;
  }
  getHeaderNames(): string[] {
    return Object.keys(this.map);
  }
  getHeaders(): Readonly<Record<string, HeaderValue | undefined>> {
    return this.map;
  }
  writeHead(status: number): void {
    if (status >= 200) {
      this.statusCode = status;
      this.headersSent = true;
    }
  }
  write(_chunk: Uint8Array | string, cb?: WriteCallback): boolean {
    this.headersSent = true;
    if (cb) process.nextTick(cb);
    return true;
  }
  onceDrain(cb: () => void): void {
    process.nextTick(cb);
  }
  end(_chunk?: Uint8Array | string, cb?: () => void): void {
    this.headersSent = true;
    this.writableEnded = true;
    this.writableFinished = true;
    if (cb) process.nextTick(cb);
    this.close();
  }
  flush(): void {
    this.headersSent = true;
  }
  addTrailers(): void {}
  asWritable(): Writable {
    return new WriterStream(this);
  }
  closeAfterResponse(): void {}
  destroy(): void {
    this.destroyed = true;
    this.close();
  }
  onClose(cb: () => void): void {
    this.closers.add(cb);
  }
  offClose(cb: () => void): void {
    this.closers.delete(cb);
  }
  hijack(): Hijacked | null {
    return null;
  }
  private close(): void {
    const cbs = [...this.closers];
    this.closers.clear();
    for (const cb of cbs) process.nextTick(cb);
  }
}
