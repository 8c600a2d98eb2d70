/**
 * The cache's reading of a date field (Expires, Date, Last-Modified,
 * If-Modified-Since): one field line holding RFC 9110's HTTP-date, strictly
 * (src/go/http_date.ts). Anything else is invalid, which for Expires means
 * "already expired" (RFC 9111 §5.3).
 */
import type { HeaderValue } from '../../core/response.js';
import { parseHTTPDate } from '../../go/http_date.js';

/** Milliseconds since the epoch, or undefined when the value is not one valid HTTP-date. */
export function parseHttpDate(v: HeaderValue | undefined): number | undefined {
  if (v === undefined) return undefined;
  if (Array.isArray(v) && v.length !== 1) return undefined;
  return parseHTTPDate(String(Array.isArray(v) ? v[0] : v));
}
