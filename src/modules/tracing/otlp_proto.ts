/**
 * ExportTraceServiceRequest (opentelemetry-proto, collector/trace/v1) in
 * protobuf, written by hand: only the messages and fields the tracing
 * handler fills. One growing buffer per batch; a nested message reserves
 * one byte for its length and is shifted when the length needs more, so a
 * span costs no allocation of its own.
 */
import type { Attributes, AttrValue, SpanRecord } from './span.js';

const VARINT = 0;
const I64 = 1;
const LEN = 2;
const I32 = 5;

class Writer {
  buf = Buffer.allocUnsafe(64 * 1024);
  pos = 0;

  private ensure(n: number): void {
    if (this.pos + n <= this.buf.length) return;
    let size = this.buf.length * 2;
    while (size < this.pos + n) size *= 2;
    const next = Buffer.allocUnsafe(size);
    this.buf.copy(next, 0, 0, this.pos);
    this.buf = next;
  }

  /** An unsigned varint (values below 2^53). */
  varint(v: number): void {
    this.ensure(10);
    const b = this.buf;
    while (v >= 0x80) {
      b[this.pos++] = (v % 0x80) | 0x80;
      v = Math.floor(v / 0x80);
    }
    b[this.pos++] = v;
  }

  tag(field: number, wire: number): void {
    this.varint(field * 8 + wire);
  }

  /** A string field; proto3 leaves out empty ones unless `always` (a oneof member). */
  string(field: number, s: string, always = false): void {
    if (s === '' && !always) return;
    const n = Buffer.byteLength(s);
    this.tag(field, LEN);
    this.varint(n);
    this.ensure(n);
    this.buf.write(s, this.pos, n, 'utf8');
    this.pos += n;
  }

  /** Hex digits as a bytes field. */
  hex(field: number, h: string): void {
    const n = h.length >> 1;
    this.tag(field, LEN);
    this.varint(n);
    this.ensure(n);
    this.buf.write(h, this.pos, n, 'hex');
    this.pos += n;
  }

  uint(field: number, v: number): void {
    if (v === 0) return;
    this.tag(field, VARINT);
    this.varint(v);
  }

  /** int64 as a varint: negatives take ten bytes (two's complement). */
  int64(field: number, v: number): void {
    this.tag(field, VARINT);
    if (v >= 0) return this.varint(v);
    this.ensure(10);
    let x = BigInt.asUintN(64, BigInt(v));
    while (x >= 0x80n) {
      this.buf[this.pos++] = Number(x & 0x7fn) | 0x80;
      x >>= 7n;
    }
    this.buf[this.pos++] = Number(x);
  }

  fixed64(field: number, v: bigint): void {
    this.tag(field, I64);
    this.ensure(8);
    this.buf.writeBigUInt64LE(v, this.pos);
    this.pos += 8;
  }

  fixed32(field: number, v: number): void {
    this.tag(field, I32);
    this.ensure(4);
    this.buf.writeUInt32LE(v >>> 0, this.pos);
    this.pos += 4;
  }

  /** Starts a nested message; returns where its contents begin (after a one-byte length slot). */
  begin(field: number): number {
    this.tag(field, LEN);
    this.ensure(1);
    this.pos++;
    return this.pos;
  }

  /** Ends the nested message begun at `start`: writes its length, widening the slot if needed. */
  end(start: number): void {
    const len = this.pos - start;
    if (len < 0x80) {
      this.buf[start - 1] = len;
      return;
    }
    let extra = 0;
    for (let v = len; v >= 0x80; v = Math.floor(v / 0x80)) extra++;
    this.ensure(extra);
    this.buf.copyWithin(start + extra, start, this.pos);
    let p = start - 1;
    let v = len;
    while (v >= 0x80) {
      this.buf[p++] = (v % 0x80) | 0x80;
      v = Math.floor(v / 0x80);
    }
    this.buf[p] = v;
    this.pos += extra;
  }

  finish(): Buffer {
    return Buffer.from(this.buf.subarray(0, this.pos));
  }
}

function anyValue(w: Writer, v: AttrValue): void {
  // A oneof member is written even when it holds its zero value.
  if (typeof v === 'string') w.string(1, v, true);
  else if (typeof v === 'boolean') w.int64(2, v ? 1 : 0);
  else w.int64(3, v);
}

function keyValue(w: Writer, field: number, k: string, v: AttrValue): void {
  const kv = w.begin(field);
  w.string(1, k);
  const val = w.begin(2);
  anyValue(w, v);
  w.end(val);
  w.end(kv);
}

function keyValues(w: Writer, field: number, attrs: Attributes): void {
  for (let i = 0; i < attrs.length; i += 2) keyValue(w, field, attrs[i] as string, attrs[i + 1]!);
}

/** Unix milliseconds (fractional) → nanoseconds. */
function nanos(ms: number): bigint {
  const whole = Math.floor(ms);
  return BigInt(whole) * 1_000_000n + BigInt(Math.round((ms - whole) * 1e6));
}

/** OTLP's SpanFlags: the W3C flags, plus "we know whether the parent is remote", plus whether it is. */
const HAS_IS_REMOTE = 0x100;
const IS_REMOTE = 0x200;
const SPAN_KIND_SERVER = 2;

function span(w: Writer, s: SpanRecord): void {
  w.hex(1, s.traceId);
  w.hex(2, s.spanId);
  w.string(3, s.traceState);
  if (s.parentSpanId !== '') w.hex(4, s.parentSpanId);
  w.string(5, s.name);
  w.uint(6, SPAN_KIND_SERVER);
  w.fixed64(7, nanos(s.startMs));
  w.fixed64(8, nanos(s.endMs));
  keyValues(w, 9, s.attributes);
  const st = w.begin(15);
  w.string(2, s.statusMessage);
  w.uint(3, s.statusCode);
  w.end(st);
  w.fixed32(16, (s.flags & 0xff) | HAS_IS_REMOTE | (s.remoteParent ? IS_REMOTE : 0));
}

export interface Scope {
  name: string;
  version: string;
}

/** One ExportTraceServiceRequest: one resource, one instrumentation scope, the spans. */
export function encodeExportRequest(resource: ReadonlyArray<readonly [string, string]>, scope: Scope, spans: readonly SpanRecord[]): Buffer {
  const w = new Writer();
  const rs = w.begin(1);
  const res = w.begin(1);
  for (const [k, v] of resource) keyValue(w, 1, k, v);
  w.end(res);
  const ss = w.begin(2);
  const sc = w.begin(1);
  w.string(1, scope.name);
  w.string(2, scope.version);
  w.end(sc);
  for (const s of spans) {
    const sp = w.begin(2);
    span(w, s);
    w.end(sp);
  }
  w.end(ss);
  w.end(rs);
  return w.finish();
}
