/**
 * The Range header, parsed as Go's net/http parseRange does (so the same
 * requests are honoured, ignored or refused as with Caddy), and the
 * multipart/byteranges framing Go's mime/multipart writes around several.
 */
import { randomBytes } from 'node:crypto';

export interface ByteRange {
  start: number;
  length: number;
}

/** Refused ranges: 'invalid' (bad syntax) → 416 "invalid range"; 'no-overlap' → 416 with `Content-Range: bytes *\/size`. */
export type RangeError = 'invalid' | 'no-overlap';

// strconv.ParseInt accepts a sign; a suffix length or start with '-' is refused below.
const INT = /^[+-]?\d+$/;

/** parseRange: [] when there is no header; a RangeError when the request cannot be served as asked. */
export function parseRange(s: string, size: number): ByteRange[] | RangeError {
  if (s === '') return [];
  if (!s.startsWith('bytes=')) return 'invalid';
  const ranges: ByteRange[] = [];
  let noOverlap = false;
  for (let ra of s.slice(6).split(',')) {
    ra = ra.trim();
    if (ra === '') continue;
    const dash = ra.indexOf('-');
    if (dash < 0) return 'invalid';
    const start = ra.slice(0, dash).trim();
    const end = ra.slice(dash + 1).trim();
    if (start === '') {
      // "-N": the last N bytes.
      if (end === '' || end[0] === '-' || !INT.test(end)) return 'invalid';
      let n = Number(end);
      if (n < 0) return 'invalid';
      if (n > size) n = size;
      ranges.push({ start: size - n, length: n });
      continue;
    }
    if (!INT.test(start)) return 'invalid';
    const first = Number(start);
    if (first < 0) return 'invalid';
    if (first >= size) {
      // Starts past the end: does not overlap, which is only an error if nothing else does.
      noOverlap = true;
      continue;
    }
    if (end === '') {
      ranges.push({ start: first, length: size - first });
      continue;
    }
    if (!INT.test(end)) return 'invalid';
    let last = Number(end);
    if (first > last) return 'invalid';
    if (last >= size) last = size - 1;
    ranges.push({ start: first, length: last - first + 1 });
  }
  if (noOverlap && ranges.length === 0) return 'no-overlap';
  return ranges;
}

export function contentRange(r: ByteRange, size: number): string {
  return `bytes ${r.start}-${r.start + r.length - 1}/${size}`;
}

/** The framing of a multipart/byteranges body: part headers, and the exact total length. */
export interface Multipart {
  boundary: string;
  /** What goes before each range's bytes. */
  heads: string[];
  tail: string;
  length: number;
}

/** Go's multipart.Writer layout: random 60-hex-digit boundary, CRLFs, part headers sorted by name. */
export function multipart(ranges: readonly ByteRange[], size: number, contentType: string): Multipart {
  const boundary = randomBytes(30).toString('hex');
  const heads = ranges.map(
    (r, i) => `${i === 0 ? '' : '\r\n'}--${boundary}\r\nContent-Range: ${contentRange(r, size)}\r\nContent-Type: ${contentType}\r\n\r\n`,
  );
  const tail = `\r\n--${boundary}--\r\n`;
  let length = Buffer.byteLength(tail);
  for (let i = 0; i < ranges.length; i++) length += Buffer.byteLength(heads[i]!) + ranges[i]!.length;
  return { boundary, heads, tail, length };
}
