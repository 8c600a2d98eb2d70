/**
 * The path edits of Caddy's rewrite (rewrite.go): prefix and suffix trimming
 * in decoded space except where the pattern itself uses an escape, the
 * changePath step that edits the escaped form and derives the decoded one,
 * and canonicalizePath after a strip. Paths here are Go's URL.Path (decoded)
 * and URL.RawPath (the sent form, '' when it is the default encoding).
 */
import { cleanPath } from '../../go/path.js';
import { escapedPath, pathUnescape } from '../../go/url.js';

export interface PathState {
  path: string;
  rawPath: string;
}

/** The default escaping of a decoded path (url.URL{Path: p}.EscapedPath()). */
export function defaultEscapedPath(p: string): string {
  return escapedPath(p);
}

/** Bytes as a latin1 string: Go compares paths byte by byte. */
function bytesOf(s: string): string {
  return Buffer.from(s, 'utf8').toString('latin1');
}

function hexByte(s: string, i: number): string | null {
  const h = s.slice(i + 1, i + 3);
  if (!/^[0-9A-Fa-f]{2}$/.test(h)) return null;
  return String.fromCharCode(parseInt(h, 16));
}

/** strings.EqualFold on one byte each (ASCII letters fold; other bytes compare exactly). */
function sameByte(a: string, b: string): boolean {
  return a === b || (a.charCodeAt(0) < 0x80 && b.charCodeAt(0) < 0x80 && a.toLowerCase() === b.toLowerCase());
}

/**
 * Caddy's trimPathPrefix: walks both strings together; an escape in the
 * path is decoded unless the prefix has '%' at that position (then the
 * escapes must be written the same). Case-insensitive, like the path matcher.
 */
export function trimPathPrefix(escaped: string, prefix: string): string {
  const p = bytesOf(prefix);
  let iPath = 0;
  let iPre = 0;
  while (iPath < escaped.length && iPre < p.length) {
    const preCh = p[iPre]!;
    let ch = escaped[iPath]!;
    if (ch === '%' && preCh !== '%' && escaped.length >= iPath + 3) {
      const b = hexByte(escaped, iPath);
      if (b === null) return escaped;
      ch = b;
      iPath += 2;
    }
    if (!sameByte(ch, preCh)) return escaped;
    iPath++;
    iPre++;
  }
  return iPre >= p.length ? escaped.slice(iPath) : escaped;
}

/** Caddy's trimPathSuffix: the same rules, walking from the ends. */
export function trimPathSuffix(escaped: string, suffix: string): string {
  const s = bytesOf(suffix);
  let iPath = escaped.length;
  let iSuf = s.length;
  while (iPath > 0 && iSuf > 0) {
    const sufCh = s[iSuf - 1]!;
    let ch = escaped[iPath - 1]!;
    let step = 1;
    const pathEsc = iPath >= 3 && escaped[iPath - 3] === '%';
    const sufEsc = iSuf >= 3 && s[iSuf - 3] === '%';
    if (pathEsc && !sufEsc) {
      const b = hexByte(escaped, iPath - 3);
      if (b === null) return escaped;
      ch = b;
      step = 3;
    }
    if (!sameByte(ch, sufCh)) return escaped;
    iPath -= step;
    iSuf--;
  }
  return iSuf <= 0 ? escaped.slice(0, iPath) : escaped;
}

/**
 * Caddy's changePath: edit the escaped path; the decoded path follows from
 * it (or, when it does not decode, the edit is applied to the decoded path
 * too); RawPath is kept only when it is not the default encoding.
 */
export function changePath(st: PathState, edit: (p: string) => string): void {
  const raw = edit(escapedPath(st.path, st.rawPath));
  const decoded = pathUnescape(raw);
  st.path = decoded !== null && decoded !== '' ? decoded : edit(st.path);
  st.rawPath = raw === defaultEscapedPath(st.path) ? '' : raw;
}

/** Caddy's canonicalizePath: anchored and cleaned after a strip; RawPath kept only if still equivalent. */
export function canonicalizePath(st: PathState): void {
  let p = st.path;
  if (!p.startsWith('/')) p = '/' + p;
  p = pathUnescape(cleanPath(defaultEscapedPath(p), false)) ?? p;
  let raw = st.rawPath;
  if (raw !== '') {
    if (!raw.startsWith('/')) raw = '/' + raw;
    const decoded = pathUnescape(raw);
    if (decoded === null || decoded !== p || raw === defaultEscapedPath(p)) raw = '';
  }
  st.path = p;
  st.rawPath = raw;
}
