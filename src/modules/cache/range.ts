/**
 * Range requests answered from a complete stored (or being stored) 200
 * (RFC 9110 §14): one byte range gives a 206 with Content-Range, a range
 * past the end a 416 with `Content-Range: bytes *\/<length>`. Several ranges
 * are answered with the whole 200, which §14.2 allows (a server may ignore
 * Range), as is a Range that does not parse or an If-Range that does not
 * match (§13.1.5).
 */
import type { HeaderValue } from '../../core/response.js';
import { parseHttpDate } from './http_date.js';

export interface ByteRange {
  start: number;
  /** Inclusive. */
  end: number;
}

export type RangeAnswer = ByteRange | 'unsatisfiable' | null;

const SPEC = /^\s*(\d*)\s*-\s*(\d*)\s*$/;

export function parseRange(header: string, length: number): RangeAnswer {
  const eq = header.indexOf('=');
  if (eq < 0 || header.slice(0, eq).trim().toLowerCase() !== 'bytes') return null;
  const specs = header.slice(eq + 1).split(',').filter((s) => s.trim() !== '');
  if (specs.length !== 1) return null;
  const m = SPEC.exec(specs[0]!);
  if (m === null || (m[1] === '' && m[2] === '')) return null;
  if (m[1] === '') {
    const n = Number(m[2]);
    if (n === 0 || length === 0) return 'unsatisfiable';
    return { start: Math.max(0, length - n), end: length - 1 };
  }
  const start = Number(m[1]);
  const end = m[2] === '' ? Infinity : Number(m[2]);
  if (end < start) return null;
  if (start >= length) return 'unsatisfiable';
  return { start, end: Math.min(end, length - 1) };
}

/** The first byte a Range asks for (0 for a suffix range or one that does not parse). */
export function rangeStart(header: string): number {
  const m = /^\s*bytes\s*=\s*(\d+)\s*-/i.exec(header);
  return m === null ? 0 : Number(m[1]);
}

function one(v: HeaderValue | undefined): string | undefined {
  return v === undefined ? undefined : Array.isArray(v) ? v.join(', ') : String(v);
}

/** §13.1.5: a strong ETag equal to the response's, or a date equal to its Last-Modified. */
export function ifRangeHolds(ifRange: string | undefined, headers: Readonly<Record<string, HeaderValue | undefined>>): boolean {
  if (ifRange === undefined) return true;
  const v = ifRange.trim();
  if (v.startsWith('"') || v.startsWith('W/')) {
    const etag = one(headers['etag'])?.trim();
    return !v.startsWith('W/') && etag !== undefined && !etag.startsWith('W/') && etag === v;
  }
  const lm = parseHttpDate(one(headers['last-modified']));
  const since = parseHttpDate(v);
  return lm !== undefined && since !== undefined && lm === since;
}

/** The range to answer for a request's Range / If-Range against a complete response of `length` bytes. */
export function rangeFor(range: string, ifRange: string | undefined, headers: Readonly<Record<string, HeaderValue | undefined>>, length: number): RangeAnswer {
  if (!ifRangeHolds(ifRange, headers)) return null;
  return parseRange(range, length);
}
