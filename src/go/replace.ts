/**
 * Go's regexp.ReplaceAllString and Regexp.Expand on top of the compiled
 * patterns of regexp.ts. The handlers that rewrite text with a regexp
 * (rewrite path_regexp, uri query replace, header replace, map) take
 * replacement strings written for Go: `$1`, `${1}`, `$name`, `${name}`,
 * `$$`; `$1x` names the group "1x" (empty), not group 1 then "x". JavaScript's
 * String.replace reads `$1x` differently and skips empty matches differently,
 * so the loop and the expansion are Go's, compiled once per pattern.
 */
import { type CompiledRegexp, compileRegexp, type RegexpMatch } from './regexp.js';

/** One piece of a replacement template: literal text or a capture group (−1: none, expands to ''). */
type Piece = string | number;

export interface GoRegexp {
  readonly source: string;
  readonly re: CompiledRegexp;
  readonly names: readonly string[];
}

export function compileGoRegexp(pattern: string): GoRegexp {
  const re = compileRegexp(pattern);
  return { source: pattern, re, names: re.names };
}

const NAME_CHAR = /[A-Za-z0-9_]/;

/** The group a template name refers to: a number is an index, anything else a group name; −1 when none. */
function groupIndex(name: string, names: readonly string[]): number {
  if (/^[0-9]+$/.test(name)) {
    const n = Number(name);
    return n < names.length ? n : -1;
  }
  // Go's Expand takes the first group with that name.
  for (let i = 1; i < names.length; i++) if (names[i] === name) return i;
  return -1;
}

/**
 * Parses a Go replacement template once. A `$` that does not start a valid
 * reference is literal, as in Go's Expand.
 */
export function compileExpansion(template: string, re: GoRegexp): Piece[] {
  const pieces: Piece[] = [];
  let lit = '';
  let i = 0;
  while (i < template.length) {
    const c = template[i]!;
    if (c !== '$') {
      lit += c;
      i++;
      continue;
    }
    if (template[i + 1] === '$') {
      lit += '$';
      i += 2;
      continue;
    }
    let name = '';
    let end = i + 1;
    if (template[i + 1] === '{') {
      const close = template.indexOf('}', i + 2);
      const inner = close < 0 ? '' : template.slice(i + 2, close);
      if (close < 0 || inner === '' || ![...inner].every((ch) => NAME_CHAR.test(ch))) {
        lit += '$';
        i++;
        continue;
      }
      name = inner;
      end = close + 1;
    } else {
      while (end < template.length && NAME_CHAR.test(template[end]!)) end++;
      name = template.slice(i + 1, end);
      if (name === '') {
        lit += '$';
        i++;
        continue;
      }
    }
    if (lit !== '') pieces.push(lit);
    lit = '';
    pieces.push(groupIndex(name, re.names));
    i = end;
  }
  if (lit !== '') pieces.push(lit);
  return pieces;
}

function expand(pieces: readonly Piece[], m: RegexpMatch): string {
  let out = '';
  for (const p of pieces) {
    if (typeof p === 'string') out += p;
    else if (p >= 0) out += m[p] ?? '';
  }
  return out;
}

/** Regexp.ExpandString for the first match of `re` in `input`; null when it does not match. */
export function expandFirst(re: GoRegexp, pieces: readonly Piece[], input: string): string | null {
  const m = re.re.exec(input);
  return m === null ? null : expand(pieces, m);
}

/**
 * Regexp.ReplaceAllString(src, template) with an already compiled template.
 * Go skips an empty match that directly follows the previous match.
 */
export function replaceAllExpanded(re: GoRegexp, src: string, pieces: readonly Piece[]): string {
  let out = '';
  let lastEnd = 0;
  let pos = 0;
  while (pos <= src.length) {
    const m = re.re.exec(src, pos);
    if (m === null) break;
    const start = m.index;
    const end = start + m[0]!.length;
    out += src.slice(lastEnd, start);
    if (end > lastEnd || start === 0) out += expand(pieces, m);
    lastEnd = end;
    // Advance past the match, at least one character (a whole code point).
    const width = pos < src.length && (src.codePointAt(pos) ?? 0) > 0xffff ? 2 : 1;
    if (pos + width > end) pos += width;
    else if (pos + 1 > end) pos++;
    else pos = end;
  }
  return out + src.slice(lastEnd);
}

/** ReplaceAllString with a template only known per request (placeholders were in it). */
export function replaceAll(re: GoRegexp, src: string, template: string): string {
  return replaceAllExpanded(re, src, compileExpansion(template, re));
}

/** Go's strings.Replace(s, old, new, n); n < 0 = all. An empty `old` inserts at every rune boundary. */
export function goStringsReplace(s: string, old: string, rep: string, n: number): string {
  if (n === 0 || old === rep) return s;
  if (old === '') {
    const runes = [...s];
    let out = '';
    let count = 0;
    for (let i = 0; i <= runes.length; i++) {
      if (n < 0 || count < n) {
        out += rep;
        count++;
      }
      if (i < runes.length) out += runes[i];
    }
    return out;
  }
  if (n < 0) return s.split(old).join(rep);
  let out = '';
  let from = 0;
  for (let count = 0; count < n; count++) {
    const at = s.indexOf(old, from);
    if (at < 0) break;
    out += s.slice(from, at) + rep;
    from = at + old.length;
  }
  return out + s.slice(from);
}
