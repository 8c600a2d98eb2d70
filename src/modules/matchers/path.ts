/**
 * path (Caddy's MatchPath): any of the patterns matches the request path.
 *
 * - Case-insensitive: patterns are lower-cased at provision, the path per
 *   request (placeholders in a pattern are lower-cased with it, as in Caddy).
 * - The path is cleaned first (`..`, `.`, doubled slashes merged, a trailing
 *   slash kept) so crafted paths cannot slip past; a pattern containing `//`
 *   keeps doubled slashes in the path instead.
 * - `*` alone matches everything; `*x*` is a substring, `*x` a suffix, `x*` a
 *   prefix match when that is the only wildcard; otherwise Go's path.Match
 *   (where `*` stops at '/'), which is also exact matching.
 * - A pattern with `%` is compared with the escaped path: its escape
 *   sequences must appear escaped in the request (`/a%2Fb` matches
 *   `/a%2Fb`, not `/a/b`) and `%*` is a wildcard over the raw, undecoded
 *   span. As in Caddy, the non-escaped characters of such a pattern are
 *   compared case-sensitively against the request (only the pattern is
 *   lower-cased).
 *
 * Everything about a pattern without placeholders is decided here; a
 * request costs one toLowerCase and one clean per distinct slash mode.
 */
import { cleanPath, matchOrFalse } from '../../go/path.js';
import { escapedPath } from '../../go/url.js';
import { matcherModule } from '../../core/registry.js';
import { compileTemplate, hasPlaceholders } from '../../core/replacer.js';
import type { Ctx, Matcher } from '../../core/types.js';
import { decodePath } from './config.js';

/** The request path in the forms patterns compare against, computed on demand once per match call. */
class PathForms {
  private lower: string | undefined;
  private merged: string | undefined;
  private kept: string | undefined;
  private escMerged: string | undefined;
  private escKept: string | undefined;

  constructor(readonly ctx: Ctx) {}

  cleaned(mergeSlashes: boolean): string {
    const lower = (this.lower ??= this.ctx.path.toLowerCase());
    return mergeSlashes ? (this.merged ??= cleanPath(lower, true)) : (this.kept ??= cleanPath(lower, false));
  }

  escaped(mergeSlashes: boolean): string {
    const ctx = this.ctx;
    return mergeSlashes
      ? (this.escMerged ??= cleanPath(escapedPath(ctx.path, ctx.rawPath), true))
      : (this.escKept ??= cleanPath(escapedPath(ctx.path, ctx.rawPath), false));
  }
}

type PatternTest = (forms: PathForms) => boolean;

function countStars(s: string): number {
  let n = 0;
  for (let i = 0; i < s.length; i++) if (s.charCodeAt(i) === 42) n++;
  return n;
}

/** The test for one (lower-cased, placeholder-free) pattern. */
export function compilePattern(pattern: string): PatternTest {
  if (pattern === '*') return () => true;
  const merge = !pattern.includes('//');
  if (pattern.includes('%')) {
    return (f) => matchWithEscapes(f.escaped(merge), pattern);
  }
  const stars = countStars(pattern);
  if (stars === 2 && pattern.startsWith('*') && pattern.endsWith('*')) {
    const mid = pattern.slice(1, -1);
    return (f) => f.cleaned(merge).includes(mid);
  }
  if (stars === 1 && pattern.startsWith('*')) {
    const suffix = pattern.slice(1);
    return (f) => f.cleaned(merge).endsWith(suffix);
  }
  if (stars === 1 && pattern.endsWith('*')) {
    const prefix = pattern.slice(0, -1);
    return (f) => f.cleaned(merge).startsWith(prefix);
  }
  if (!/[*?[\\]/.test(pattern)) return (f) => f.cleaned(merge) === pattern;
  return (f) => matchOrFalse(pattern, f.cleaned(merge));
}

// --- escaped-space matching (MatchPath.matchPatternWithEscapeSequence) --------
// Go walks pattern and path byte by byte; strings here are "binary": one
// character per byte (latin1), so decoded escapes are single bytes as in Go.

const toBinary = (s: string) => Buffer.from(s, 'utf8').toString('latin1');

/** %XX → one byte; null on a malformed escape. */
function unescapeBytes(s: string): string | null {
  if (!s.includes('%')) return s;
  let out = '';
  for (let i = 0; i < s.length; i++) {
    if (s[i] === '%') {
      const h = s.slice(i + 1, i + 3);
      if (!/^[0-9A-Fa-f]{2}$/.test(h)) return null;
      out += String.fromCharCode(parseInt(h, 16));
      i += 2;
    } else {
      out += s[i];
    }
  }
  return out;
}

function matchWithEscapes(escapedPathText: string, patternText: string): boolean {
  const path = escapedPathText; // ASCII: every non-ASCII byte is escaped
  const pattern = toBinary(patternText);
  let sb = '';
  let iPattern = 0;
  let iPath = 0;
  while (iPattern < pattern.length && iPath < path.length) {
    let pathCh = path[iPath]!;
    let escapedPathCh = '';
    if (pathCh === '%' && path.length >= iPath + 3) {
      escapedPathCh = path.slice(iPath, iPath + 3).toLowerCase();
      const decoded = unescapeBytes(escapedPathCh);
      if (decoded === null) return false;
      pathCh = decoded;
      iPath += 2;
    }
    let normalize = true;
    let wildcard = false;
    const pc = pattern[iPattern];
    if (pc === '%') {
      if (pattern.length >= iPattern + 3 && pattern[iPattern + 1] !== '*') {
        // An escape sequence in the pattern: compare in escaped space here.
        sb += escapedPathCh;
        iPath++;
        iPattern += 2;
      } else {
        // "%*": a wildcard span kept escaped.
        iPattern++;
        normalize = false;
        wildcard = true;
      }
    } else if (pc === '*') {
      wildcard = true;
    } else {
      sb += pathCh;
      iPath++;
    }
    if (wildcard) {
      const remaining = path.slice(iPath);
      let until = path.length - iPath;
      if (iPattern < pattern.length - 1) {
        until = remaining.indexOf(pattern[iPattern + 1]!);
        if (until === -1) return false;
      }
      if (until > 0) {
        let next = remaining.slice(0, until);
        if (normalize) {
          const d = unescapeBytes(next);
          if (d === null) return false;
          next = d;
        }
        sb += next;
        iPath += until;
      }
    }
    iPattern++;
  }
  return matchOrFalse(pattern.split('%*').join('*'), sb);
}

function provision(patterns: string[]): Matcher {
  if (patterns.includes('*')) return () => true;
  const tests: PatternTest[] = patterns.map((p) => {
    if (!hasPlaceholders(p)) return compilePattern(p);
    const t = compileTemplate(p, 'empty');
    // The pattern is only known per request: analyse it then.
    return (f: PathForms) => compilePattern(t(f.ctx.repl))(f);
  });
  if (tests.length === 1) {
    const only = tests[0]!;
    return (ctx) => only(new PathForms(ctx));
  }
  return (ctx) => {
    const forms = new PathForms(ctx);
    for (const t of tests) if (t(forms)) return true;
    return false;
  };
}

export const pathMatcher = matcherModule('path', { decode: decodePath, provision });
