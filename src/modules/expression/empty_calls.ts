/**
 * Matcher functions called without arguments. The library's macros need at
 * least one argument, so these calls are settled on the text before
 * parsing: `file()` becomes `file({})` (Caddy's expander gives it an empty
 * map: try the request path), and the functions that need arguments fail
 * with Caddy's message at the call, as do math.greatest() and math.least()
 * (cel-go's macro message). Methods whose library version differs from
 * cel-go's are renamed to the internal overloads with cel-go's semantics:
 * `.matches(` to RE2 (cel.ts RE2_MATCHES), the string functions of
 * ext_strings.ts; the names keep their length, so positions hold. String
 * literals are skipped.
 */
import { celIssue } from './issue.js';
import { RE2_MATCHES } from './cel.js';
import { GO_STRING_METHODS } from './ext_strings.js';

const callRE = /[A-Za-z_][A-Za-z0-9_]*\(\s*\)/y;
const methodCallRE = /^\.([A-Za-z_][A-Za-z0-9_]*)\s*\(/;
const emptyMathRE = /^math\s*\.\s*(greatest|least)\s*\(\s*\)/;
const renames: ReadonlyMap<string, string> = new Map([...GO_STRING_METHODS, ['matches', RE2_MATCHES]]);
const internalNames = new Map([...renames].map(([pub, internal]) => [internal, pub]));
const internalRE = new RegExp(`\\.(${[...internalNames.keys()].join('|')})\\(`, 'g');

/** A library message with the internal method names back to the public ones. */
export function publicNames(message: string): string {
  return message.replace(internalRE, (_m, name: string) => `.${internalNames.get(name)}(`);
}

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
    if (c === '.') {
      const m = methodCallRE.exec(source.slice(i, i + 40));
      const internal = m === null ? undefined : renames.get(m[1]!);
      if (internal !== undefined) {
        out += `.${internal}`;
        i += internal.length + 1;
        continue;
      }
    }
    const prev = i === 0 ? '' : source[i - 1]!;
    if (/[A-Za-z_]/.test(c) && !/[A-Za-z0-9_.]/.test(prev)) {
      callRE.lastIndex = i;
      const m = callRE.exec(source);
      const ident = /^[A-Za-z_][A-Za-z0-9_]*/.exec(source.slice(i))![0];
      const emptyMath = ident === 'math' ? emptyMathRE.exec(source.slice(i)) : null;
      if (emptyMath !== null) throw new Error(celIssue(source, i, `math.${emptyMath[1]}() requires at least one argument`));
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
