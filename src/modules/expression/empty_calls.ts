/**
 * Matcher functions called without arguments. The library's macros need at
 * least one argument, so these calls are settled on the text before
 * parsing: `file()` becomes `file({})` (Caddy's expander gives it an empty
 * map: try the request path), and the functions that need arguments fail
 * with Caddy's message at the call. The `.matches(` method becomes the
 * RE2 one (cel.ts RE2_MATCHES). String literals are skipped.
 */
import { celIssue } from './issue.js';
import { RE2_MATCHES } from './cel.js';

const callRE = /[A-Za-z_][A-Za-z0-9_]*\(\s*\)/y;
const matchesCallRE = /^\.matches\s*\(/;

export function rewriteEmptyCalls(source: string, names: ReadonlySet<string>): string {
  let out = '';
  let i = 0;
  while (i < source.length) {
    const c = source[i]!;
    if (c === '"' || c === "'") {
      const end = stringEnd(source, i);
      out += source.slice(i, end);
      i = end;
      continue;
    }
    if (c === '.' && matchesCallRE.test(source.slice(i, i + 40))) {
      out += `.${RE2_MATCHES}`;
      i += '.matches'.length;
      continue;
    }
    const prev = i === 0 ? '' : source[i - 1]!;
    if (/[A-Za-z_]/.test(c) && !/[A-Za-z0-9_.]/.test(prev)) {
      callRE.lastIndex = i;
      const m = callRE.exec(source);
      const ident = /^[A-Za-z_][A-Za-z0-9_]*/.exec(source.slice(i))![0];
      if (m !== null && names.has(ident)) {
        if (ident !== 'file') throw new Error(celIssue(source, i, 'matcher requires at least one argument'));
        out += 'file({})';
        i += m[0].length;
        continue;
      }
      out += ident;
      i += ident.length;
      continue;
    }
    out += c;
    i++;
  }
  return out;
}

/** The index after the string literal opening at `start` (CEL's quotes, triple quotes, raw prefix). */
function stringEnd(s: string, start: number): number {
  const q = s[start]!;
  const raw = start > 0 && (s[start - 1] === 'r' || s[start - 1] === 'R');
  const triple = s.startsWith(q.repeat(3), start);
  const close = triple ? q.repeat(3) : q;
  let i = start + close.length;
  while (i < s.length) {
    if (!raw && s[i] === '\\') {
      i += 2;
      continue;
    }
    if (s.startsWith(close, i)) return i + close.length;
    if (!triple && s[i] === '\n') return i;
    i++;
  }
  return s.length;
}
