/**
 * FastCGI records (the FastCGI 1.0 spec, as Caddy's record.go/writer.go
 * write them): an 8-byte header (version 1, type, request id, content
 * length, padding), the content, padding to a multiple of 8. The writer
 * side encodes BEGIN_REQUEST, PARAMS and STDIN; the parser takes the
 * connection's bytes in whatever pieces they arrive and calls back per
 * STDOUT/STDERR payload and once for END_REQUEST, without copying payloads.
 */

export const FCGI_BEGIN_REQUEST = 1;
export const FCGI_END_REQUEST = 3;
export const FCGI_PARAMS = 4;
export const FCGI_STDIN = 5;
export const FCGI_STDOUT = 6;
export const FCGI_STDERR = 7;
const FCGI_RESPONDER = 1;

/** Caddy's request id: one request per connection. */
const REQUEST_ID = 1;
/** Largest content per record: Caddy's maxWrite (65500) down to a multiple of 8, so large bodies need no padding. */
export const MAX_CONTENT = 65496;
const PAD = Buffer.alloc(8);

function writeHeader(h: Buffer, at: number, type: number, contentLength: number): void {
  h[at] = 1;
  h[at + 1] = type;
  h.writeUInt16BE(REQUEST_ID, at + 2);
  h.writeUInt16BE(contentLength, at + 4);
  h[at + 6] = -contentLength & 7;
  h[at + 7] = 0;
}

export function recordHeader(type: number, contentLength: number): Buffer {
  const h = Buffer.allocUnsafe(8);
  writeHeader(h, 0, type, contentLength);
  return h;
}

export function padding(contentLength: number): Buffer | null {
  const n = -contentLength & 7;
  return n === 0 ? null : PAD.subarray(0, n);
}

function sizeLength(n: number): number {
  return n > 127 ? 4 : 1;
}

function writeSize(buf: Buffer, at: number, n: number): number {
  if (n > 127) {
    buf.writeUInt32BE((n | 0x80000000) >>> 0, at);
    return at + 4;
  }
  buf[at] = n;
  return at + 1;
}

/**
 * The start of a request in one buffer, so that it goes out in one write:
 * BEGIN_REQUEST as a responder with keep-alive off (the upstream closes
 * after the response, as with Caddy), the PARAMS stream (name-value pairs
 * in records of at most MAX_CONTENT bytes, then the empty record that ends
 * it; a value too long for one record is cut, as Caddy does), and, for a
 * request without a body, the empty STDIN record that ends the input.
 */
export function encodeRequest(params: ReadonlyMap<string, string>, noBody: boolean): Buffer {
  // Upper bound (no byte counting): a UTF-16 unit is at most 3 UTF-8 bytes; every pair may need a record of its own.
  let bound = 16 + 16;
  for (const [k, v] of params) bound += 23 + 3 * (k.length + v.length);
  const out = Buffer.allocUnsafe(bound);
  writeHeader(out, 0, FCGI_BEGIN_REQUEST, 8);
  out.writeUInt16BE(FCGI_RESPONDER, 8);
  out.fill(0, 10, 16);
  let recStart = 16;
  let at = recStart + 8;
  for (const [k, v] of params) {
    const kl = byteLength(k);
    let vl = byteLength(v);
    let value: string | Buffer = v;
    if (8 + kl + vl > MAX_CONTENT) {
      value = Buffer.from(v).subarray(0, Math.max(0, MAX_CONTENT - 8 - kl));
      vl = value.length;
    }
    const m = sizeLength(kl) + sizeLength(vl) + kl + vl;
    if (at - recStart - 8 + m > MAX_CONTENT) {
      at = closeParams(out, recStart, at);
      recStart = at;
      at += 8;
    }
    at = writeSize(out, at, kl);
    at = writeSize(out, at, vl);
    at = writeString(out, at, k, kl);
    at = typeof value === 'string' ? writeString(out, at, value, vl) : at + value.copy(out, at);
  }
  const end = closeParams(out, recStart, at);
  if (end !== recStart) {
    recStart = end;
    at = end + 8;
  }
  // The empty record ends the stream; `at` already points past its header slot.
  writeHeader(out, recStart, FCGI_PARAMS, 0);
  if (!noBody) return out.subarray(0, at);
  writeHeader(out, at, FCGI_STDIN, 0);
  return out.subarray(0, at + 8);
}

/** Writes the header and padding of the PARAMS record that starts at `recStart`; answers where the next one starts. */
function closeParams(out: Buffer, recStart: number, at: number): number {
  const size = at - recStart - 8;
  if (size === 0) return recStart;
  writeHeader(out, recStart, FCGI_PARAMS, size);
  const pad = -size & 7;
  out.fill(0, at, at + pad);
  return at + pad;
}

/** UTF-8 length; a JS loop for the ASCII names and values a request is made of (cheaper than a native call each). */
function byteLength(s: string): number {
  for (let i = 0; i < s.length; i++) if (s.charCodeAt(i) > 0x7f) return Buffer.byteLength(s);
  return s.length;
}

function writeString(out: Buffer, at: number, s: string, bytes: number): number {
  if (bytes !== s.length) return at + out.write(s, at, 'utf8');
  for (let i = 0; i < bytes; i++) out[at + i] = s.charCodeAt(i);
  return at + bytes;
}

export interface RecordSink {
  stdout(chunk: Buffer): void;
  stderr(chunk: Buffer): void;
  /** END_REQUEST: the application's status and the protocol status (0: request complete). */
  end(appStatus: number, protocolStatus: number): void;
  /** Bytes that are not FastCGI (a version other than 1). */
  malformed(message: string): void;
}

/**
 * Incremental record parser: `push` each chunk read from the connection.
 * Payloads are handed out as views of the chunk (or of the few bytes kept
 * when a header straddles two chunks).
 */
export class RecordParser {
  /** Bytes of a header split across chunks. */
  private head = Buffer.alloc(8);
  private headLen = 0;
  private type = 0;
  /** Content bytes still to come in the current record, then padding to skip. */
  private content = 0;
  private pad = 0;
  /** END_REQUEST's 8 bytes may also straddle chunks. */
  private endBody: Buffer | null = null;
  private endLen = 0;
  private finished = false;

  constructor(private readonly sink: RecordSink) {}

  push(chunk: Buffer): void {
    let i = 0;
    const n = chunk.length;
    while (i < n && !this.finished) {
      if (this.content > 0) {
        const take = Math.min(this.content, n - i);
        this.payload(chunk.subarray(i, i + take));
        this.content -= take;
        i += take;
        continue;
      }
      if (this.pad > 0) {
        const skip = Math.min(this.pad, n - i);
        this.pad -= skip;
        i += skip;
        continue;
      }
      // A header: take up to the 8 bytes it needs.
      const take = Math.min(8 - this.headLen, n - i);
      chunk.copy(this.head, this.headLen, i, i + take);
      this.headLen += take;
      i += take;
      if (this.headLen < 8) break;
      this.headLen = 0;
      if (this.head[0] !== 1) {
        this.finished = true;
        this.sink.malformed('fcgi: invalid header version');
        return;
      }
      this.type = this.head[1]!;
      this.content = this.head.readUInt16BE(4);
      this.pad = this.head[6]!;
      if (this.type === FCGI_END_REQUEST) {
        this.endBody = Buffer.alloc(8);
        this.endLen = 0;
      }
    }
  }

  private payload(p: Buffer): void {
    if (this.type === FCGI_STDOUT) this.sink.stdout(p);
    else if (this.type === FCGI_STDERR) this.sink.stderr(p);
    else if (this.type === FCGI_END_REQUEST && this.endBody !== null) {
      p.copy(this.endBody, this.endLen, 0, Math.min(p.length, 8 - this.endLen));
      this.endLen += p.length;
      if (this.endLen >= 8 && this.content - p.length === 0) {
        this.finished = true;
        this.sink.end(this.endBody.readUInt32BE(0), this.endBody[4]!);
      }
    }
    // Other record types (GET_VALUES_RESULT, UNKNOWN_TYPE) carry nothing for a responder.
  }
}
