/**
 * Validators and preconditions, as Go's net/http ServeContent evaluates them
 * for Caddy (RFC 9110 section 13.2.2 order): If-Match, If-Unmodified-Since,
 * If-None-Match, If-Modified-Since, If-Range. Times compare at one-second
 * resolution because Last-Modified has no more.
 */
import type { IncomingMessage } from 'node:http';
import { parseHTTPTime } from '../../go/http_date.js';

/**
 * Caddy 2.6's calculateEtag: `"<mtime unix seconds base36><size base36>"`,
 * strong. '' when the mtime is meaningless (0 or 1, as some build tools
 * leave it), since then it would not change when the file does.
 */
export function calculateEtag(mtimeSec: number | null, size: number): string {
  if (mtimeSec === null) return '';
  return `"${mtimeSec.toString(36)}${size.toString(36)}"`;
}

/** Seconds since the epoch, or null when the mtime is not useful (Caddy's usefulModTime; Go skips the epoch). */
export function usefulMtime(mtimeMs: number): number | null {
  const sec = Math.floor(mtimeMs / 1000);
  return sec === 0 || sec === 1 ? null : sec;
}

/** Go's scanETag: one entity tag at the start of `s` and the rest, or null. */
function scanETag(s: string): [string, string] | null {
  s = s.trim();
  const start = s.startsWith('W/') ? 2 : 0;
  if (s.length - start < 2 || s.charCodeAt(start) !== 34) return null;
  for (let i = start + 1; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c === 34) return [s.slice(0, i + 1), s.slice(i + 1)];
    if (!(c === 0x21 || (c >= 0x23 && c <= 0x7e) || c >= 0x80)) return null;
  }
  return null;
}

const strongMatch = (a: string, b: string) => a === b && a !== '' && a.charCodeAt(0) === 34;
const weakMatch = (a: string, b: string) => (a.startsWith('W/') ? a.slice(2) : a) === (b.startsWith('W/') ? b.slice(2) : b);

type Cond = 'none' | 'true' | 'false';

/** Walks a list of entity tags; `*` and a match by `cmp` both count as found. */
function listMatches(header: string, etag: string, cmp: (a: string, b: string) => boolean): 'star' | boolean {
  let s = header;
  for (;;) {
    s = s.trim();
    if (s === '') return false;
    if (s[0] === ',') {
      s = s.slice(1);
      continue;
    }
    if (s[0] === '*') return 'star';
    const scanned = scanETag(s);
    if (scanned === null) return false;
    if (cmp(scanned[0], etag)) return true;
    s = scanned[1];
  }
}

/** http.ParseTime in whole seconds since the epoch (Go's Time.Unix()); null when unparsable. */
function httpSeconds(text: string): number | null {
  const ms = parseHTTPTime(text);
  return ms === undefined ? null : Math.floor(ms / 1000);
}

function header(req: IncomingMessage, name: string): string {
  const v = req.headers[name];
  return Array.isArray(v) ? (v[0] ?? '') : (v ?? '');
}

export type Precondition = 'ok' | 'not-modified' | 'failed';

/**
 * checkPreconditions: 'failed' → 412, 'not-modified' → 304, 'ok' → serve.
 * `etag` is the response's ETag ('' if none), `mtime` seconds or null.
 */
export function checkPreconditions(req: IncomingMessage, method: string, etag: string, mtime: number | null): Precondition {
  let ch: Cond = 'none';
  const im = header(req, 'if-match');
  if (im !== '') ch = listMatches(im, etag, strongMatch) !== false ? 'true' : 'false';
  if (ch === 'none') {
    const ius = header(req, 'if-unmodified-since');
    if (ius !== '' && mtime !== null) {
      const t = httpSeconds(ius);
      if (t !== null) ch = mtime <= t ? 'true' : 'false';
    }
  }
  if (ch === 'false') return 'failed';

  const getOrHead = method === 'GET' || method === 'HEAD';
  const inm = header(req, 'if-none-match');
  if (inm !== '') {
    // '*' or a (weak) match means "you have it".
    if (listMatches(inm, etag, weakMatch) !== false) return getOrHead ? 'not-modified' : 'failed';
    return 'ok';
  }
  const ims = header(req, 'if-modified-since');
  if (getOrHead && ims !== '' && mtime !== null) {
    const t = httpSeconds(ims);
    if (t !== null && mtime <= t) return 'not-modified';
  }
  return 'ok';
}

/** checkIfRange: may the Range header be honoured? (false → send the whole file). */
export function ifRangeAllows(req: IncomingMessage, method: string, etag: string, mtime: number | null): boolean {
  if (method !== 'GET' && method !== 'HEAD') return true;
  const ir = header(req, 'if-range');
  if (ir === '') return true;
  const scanned = scanETag(ir);
  if (scanned !== null) return strongMatch(scanned[0], etag);
  if (mtime === null) return false;
  const t = httpSeconds(ir);
  return t !== null && t === mtime;
}
