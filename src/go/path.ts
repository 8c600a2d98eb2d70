/**
 * Go's `path` package (Clean, Split, Base, Ext, Match) and Caddy's CleanPath,
 * ported because Caddy's matchers and placeholders are defined by them: a
 * path matcher's verdict on `/a/../b//c/` is whatever path.Clean and
 * path.Match say, and Node's path.posix differs in the corners (Match does not
 * exist, and normalize keeps `..` above the root of a relative path).
 */

/** path.Clean: the shortest equivalent path, lexically (no file system). */
export function clean(p: string): string {
  if (p === '') return '.';
  // Fast path: already clean (the common case for request paths).
  if (isClean(p)) return p;
  const rooted = p.charCodeAt(0) === 47;
  const n = p.length;
  const out: string[] = [];
  let w = 0;
  let r = 0;
  let dotdot = 0; // out[0:dotdot] cannot be backtracked over by '..'
  if (rooted) {
    out[w++] = '/';
    r = 1;
    dotdot = 1;
  }
  while (r < n) {
    if (p[r] === '/') {
      r++;
    } else if (p[r] === '.' && (r + 1 === n || p[r + 1] === '/')) {
      r++;
    } else if (p[r] === '.' && p[r + 1] === '.' && (r + 2 === n || p[r + 2] === '/')) {
      r += 2;
      if (w > dotdot) {
        w--;
        while (w > dotdot && out[w] !== '/') w--;
      } else if (!rooted) {
        if (w > 0) out[w++] = '/';
        out[w++] = '.';
        out[w++] = '.';
        dotdot = w;
      }
    } else {
      if ((rooted && w !== 1) || (!rooted && w !== 0)) out[w++] = '/';
      for (; r < n && p[r] !== '/'; r++) out[w++] = p[r]!;
    }
  }
  if (w === 0) return '.';
  out.length = w;
  return out.join('');
}

/** True when clean(p) === p, checked without allocating. */
function isClean(p: string): boolean {
  const n = p.length;
  if (n === 0) return false;
  if (n > 1 && p.charCodeAt(n - 1) === 47) return false;
  let segStart = 0;
  for (let i = 0; i <= n; i++) {
    if (i === n || p.charCodeAt(i) === 47) {
      const len = i - segStart;
      if (i < n && len === 0 && i !== 0) return false; // '//' (or leading '/' handled by i===0)
      if (len === 1 && p.charCodeAt(segStart) === 46) return p === '.';
      if (len === 2 && p.charCodeAt(segStart) === 46 && p.charCodeAt(segStart + 1) === 46) return false;
      segStart = i + 1;
    }
  }
  return true;
}

/** path.Split: everything up to and including the last '/', and the rest. */
export function split(p: string): [dir: string, file: string] {
  const i = p.lastIndexOf('/');
  return [p.slice(0, i + 1), p.slice(i + 1)];
}

/** path.Base: the last element, trailing slashes removed; '.' for '' and '/' for all-slashes. */
export function base(p: string): string {
  if (p === '') return '.';
  let end = p.length;
  while (end > 0 && p.charCodeAt(end - 1) === 47) end--;
  if (end === 0) return '/';
  const s = p.slice(0, end);
  return s.slice(s.lastIndexOf('/') + 1);
}

/** path.Ext: the suffix from the last '.' of the last element, or ''. */
export function ext(p: string): string {
  for (let i = p.length - 1; i >= 0 && p.charCodeAt(i) !== 47; i--) {
    if (p.charCodeAt(i) === 46) return p.slice(i);
  }
  return '';
}

/** Caddy's cleanPath: path.Clean, but a trailing slash survives. */
export function cleanKeepSlash(p: string): string {
  const cleaned = clean(p);
  if (cleaned !== '/' && p.endsWith('/')) return cleaned + '/';
  return cleaned;
}

// A character no request path contains after decoding, standing in for an
// empty segment so Clean keeps it (Caddy uses the invalid UTF-8 byte 0xff).
const EMPTY_SEGMENT = '\uffff';

/**
 * Caddy's CleanPath(p, collapseSlashes): Clean that keeps a trailing slash and,
 * when collapseSlashes is false, keeps doubled slashes too (a pattern with
 * `//` in it is matched against a path whose `//` survived).
 */
export function cleanPath(p: string, collapseSlashes: boolean): string {
  if (collapseSlashes) return cleanKeepSlash(p);
  if (!p.includes('//')) return cleanKeepSlash(p);
  let sb = '';
  for (let i = 0; i < p.length; i++) {
    if (p[i] === '/' && i > 0 && p[i - 1] === '/') sb += EMPTY_SEGMENT;
    sb += p[i];
  }
  return cleanKeepSlash(sb).split(EMPTY_SEGMENT).join('');
}

/** Thrown by match() for a malformed pattern (Go's path.ErrBadPattern). */
export class BadPatternError extends Error {
  constructor() {
    super('syntax error in pattern');
  }
}

/**
 * path.Match: shell glob over the whole name. `*` is any run of non-'/'
 * characters, `?` one non-'/' character, `[...]` a class (`^` negates,
 * ranges with `-`), `\` escapes. Throws BadPatternError for a malformed
 * pattern, as Go returns ErrBadPattern. Works on UTF-16 code units except
 * that `?` and classes consume a whole code point, like Go's runes.
 */
export function match(pattern: string, name: string): boolean {
  Pattern: while (pattern.length > 0) {
    let star = false;
    let chunk: string;
    ({ star, chunk, rest: pattern } = scanChunk(pattern));
    if (star && chunk === '') {
      // Trailing * matches rest of string unless it has a /.
      return !name.includes('/');
    }
    // Look for match at current position.
    let t = matchChunk(chunk, name);
    // if we're the last chunk, make sure we've exhausted the name
    // otherwise we'll give a false result even if we could still match
    // using the star
    if (t !== null && (t.length === 0 || pattern.length > 0)) {
      name = t;
      continue;
    }
    if (star) {
      // Look for match skipping i+1 bytes. Cannot skip /.
      for (let i = 0; i < name.length && name[i] !== '/'; i++) {
        t = matchChunk(chunk, name.slice(i + 1));
        if (t !== null) {
          // if we're the last chunk, make sure we exhausted the name
          if (pattern.length === 0 && t.length > 0) continue;
          name = t;
          continue Pattern;
        }
      }
    }
    // Before returning false with no error, check that the remainder of the pattern is syntactically valid.
    while (pattern.length > 0) {
      ({ chunk, rest: pattern } = scanChunk(pattern));
      if (matchChunk(chunk, '') === null) {
        // matchChunk threw for bad syntax already; otherwise fine
      }
    }
    return false;
  }
  return name.length === 0;
}

function scanChunk(pattern: string): { star: boolean; chunk: string; rest: string } {
  let star = false;
  while (pattern.length > 0 && pattern[0] === '*') {
    pattern = pattern.slice(1);
    star = true;
  }
  let inrange = false;
  let i: number;
  Scan: for (i = 0; i < pattern.length; i++) {
    switch (pattern[i]) {
      case '\\':
        // error check handled in matchChunk: bad pattern.
        if (i + 1 < pattern.length) i++;
        break;
      case '[':
        inrange = true;
        break;
      case ']':
        inrange = false;
        break;
      case '*':
        if (!inrange) break Scan;
        break;
    }
  }
  return { star, chunk: pattern.slice(0, i), rest: pattern.slice(i) };
}

/** One code point at the start of s: [char, its UTF-16 length]. */
function firstRune(s: string): [number, number] {
  const c = s.codePointAt(0)!;
  return [c, c > 0xffff ? 2 : 1];
}

/**
 * Matches chunk against the start of s; returns the rest of s, or null.
 * Throws BadPatternError on malformed chunks, even when failing early (Go
 * keeps scanning the chunk to report the syntax error).
 */
function matchChunk(chunk: string, s: string): string | null {
  let failed = false;
  while (chunk.length > 0) {
    if (!failed && s.length === 0) failed = true;
    switch (chunk[0]) {
      case '[': {
        let r = 0;
        if (!failed) {
          const [c, n] = firstRune(s);
          r = c;
          s = s.slice(n);
        }
        chunk = chunk.slice(1);
        // possibly negated
        let negated = false;
        if (chunk.length > 0 && chunk[0] === '^') {
          negated = true;
          chunk = chunk.slice(1);
        }
        // parse all ranges
        let matched = false;
        let nrange = 0;
        for (;;) {
          if (chunk.length > 0 && chunk[0] === ']' && nrange > 0) {
            chunk = chunk.slice(1);
            break;
          }
          let lo: number;
          let hi: number;
          ({ c: lo, rest: chunk } = getEsc(chunk));
          hi = lo;
          if (chunk[0] === '-') {
            ({ c: hi, rest: chunk } = getEsc(chunk.slice(1)));
          }
          if (lo <= r && r <= hi) matched = true;
          nrange++;
        }
        if (matched === negated) failed = true;
        break;
      }
      case '?':
        if (!failed) {
          if (s[0] === '/') failed = true;
          const [, n] = firstRune(s);
          s = s.slice(n);
        }
        chunk = chunk.slice(1);
        break;
      default:
        if (chunk[0] === '\\') {
          chunk = chunk.slice(1);
          if (chunk.length === 0) throw new BadPatternError();
        }
        if (!failed) {
          if (chunk[0] !== s[0]) failed = true;
          s = s.slice(1);
        }
        chunk = chunk.slice(1);
    }
  }
  if (failed) return null;
  return s;
}

function getEsc(chunk: string): { c: number; rest: string } {
  if (chunk.length === 0 || chunk[0] === '-' || chunk[0] === ']') throw new BadPatternError();
  if (chunk[0] === '\\') {
    chunk = chunk.slice(1);
    if (chunk.length === 0) throw new BadPatternError();
  }
  const [c, n] = firstRune(chunk);
  chunk = chunk.slice(n);
  if (chunk.length === 0) throw new BadPatternError();
  return { c, rest: chunk };
}

/** path.Match without the error: a malformed pattern matches nothing (Caddy ignores the error). */
export function matchOrFalse(pattern: string, name: string): boolean {
  try {
    return match(pattern, name);
  } catch {
    return false;
  }
}
