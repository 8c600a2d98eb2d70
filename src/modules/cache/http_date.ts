/**
 * HTTP-date (RFC 9110 §5.6.7), strictly: IMF-fixdate and the two obsolete
 * forms, one field line only. Anything else is invalid, which for Expires
 * means "already expired" (RFC 9111 §5.3); Date.parse would accept far
 * more (UTC instead of GMT, missing commas, one-digit hours).
 */
import type { HeaderValue } from '../../core/response.js';

const MONTHS = ['jan', 'feb', 'mar', 'apr', 'may', 'jun', 'jul', 'aug', 'sep', 'oct', 'nov', 'dec'];
// Names compare case-insensitively: the grammar's are, and caches in the wild accept "sun" and "gmt".
const IMF = /^(?:Mon|Tue|Wed|Thu|Fri|Sat|Sun), (\d\d) ([a-z]{3}) (\d{4}) (\d\d):(\d\d):(\d\d) GMT$/i;
const RFC850 = /^(?:Monday|Tuesday|Wednesday|Thursday|Friday|Saturday|Sunday), (\d\d)-([a-z]{3})-(\d\d) (\d\d):(\d\d):(\d\d) GMT$/i;
const ASCTIME = /^(?:Mon|Tue|Wed|Thu|Fri|Sat|Sun) ([a-z]{3}) ([ \d]\d) (\d\d):(\d\d):(\d\d) (\d{4})$/i;

function at(y: number, mon: string, d: number, h: number, mi: number, s: number): number | undefined {
  const m = MONTHS.indexOf(mon.toLowerCase());
  if (m < 0 || d < 1 || d > 31 || h > 23 || mi > 59 || s > 60) return undefined;
  return Date.UTC(y, m, d, h, mi, s);
}

/** Milliseconds since the epoch, or undefined when the value is not one valid HTTP-date. */
export function parseHttpDate(v: HeaderValue | undefined): number | undefined {
  if (v === undefined) return undefined;
  if (Array.isArray(v) && v.length !== 1) return undefined;
  const s = String(Array.isArray(v) ? v[0] : v).trim();
  let m = IMF.exec(s);
  if (m !== null) return at(Number(m[3]), m[2]!, Number(m[1]), Number(m[4]), Number(m[5]), Number(m[6]));
  m = RFC850.exec(s);
  if (m !== null) {
    // Two-digit years more than 50 years ahead are in the past century (§5.6.7).
    let y = 2000 + Number(m[3]);
    if (y > new Date().getUTCFullYear() + 50) y -= 100;
    return at(y, m[2]!, Number(m[1]), Number(m[4]), Number(m[5]), Number(m[6]));
  }
  m = ASCTIME.exec(s);
  if (m !== null) return at(Number(m[6]), m[1]!, Number(m[2]!.trim()), Number(m[3]), Number(m[4]), Number(m[5]));
  return undefined;
}
