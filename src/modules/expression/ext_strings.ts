/**
 * cel-go's ext.Strings (all versions), which Caddy's environment enables:
 * the functions the library lacks (charAt, reverse, format, strings.quote,
 * replace), and cel-go's semantics where the library's own differ —
 * positions count code points, not UTF-16 units; lowerAscii/upperAscii
 * leave non-ASCII letters alone; trim is Go's TrimSpace; indexOf past the
 * end is -1, not an error. Those are registered under internal names that
 * the source rewrite (empty_calls.ts) maps the public method names to.
 */
import type { Environment } from '@marcbachmann/cel-js';
import { formatCel } from './ext_format.js';

class StringsNamespace {}

/**
 * Public method name → the internal name of cel-go's version: the same
 * length (capitalised), so positions in error messages do not move.
 */
export const GO_STRING_METHODS: ReadonlyMap<string, string> = new Map(
  ['indexOf', 'lastIndexOf', 'substring', 'lowerAscii', 'upperAscii', 'trim', 'split'].map((m) => [m, m[0]!.toUpperCase() + m.slice(1)]),
);

const surrogate = /[\uD800-\uDFFF]/;

/** The string as code points, or null when every code point is one UTF-16 unit (positions agree). */
function codePoints(s: string): string[] | null {
  return surrogate.test(s) ? Array.from(s) : null;
}

const indexError = (i: bigint) => new Error(`index out of range: ${i}`);

/** Code points of s when either string has any outside the BMP (else UTF-16 positions are code point positions). */
function astral(s: string, sub: string): string[] | null {
  return surrogate.test(s) || surrogate.test(sub) ? Array.from(s) : null;
}

function indexOf(s: string, sub: string, offset: bigint): bigint {
  if (offset < 0n) throw indexError(offset);
  const hay = astral(s, sub);
  const len = BigInt(hay === null ? s.length : hay.length);
  if (sub === '') return offset > len ? len : offset;
  if (offset >= len) return -1n;
  if (hay === null) return BigInt(s.indexOf(sub, Number(offset)));
  const needle = Array.from(sub);
  for (let i = Number(offset); i + needle.length <= hay.length; i++) {
    if (needle.every((c, j) => hay[i + j] === c)) return BigInt(i);
  }
  return -1n;
}

function lastIndexOf(s: string, sub: string, offset: bigint | null): bigint {
  const hay = astral(s, sub);
  const len = BigInt(hay === null ? s.length : hay.length);
  if (offset === null) {
    if (sub === '') return len;
    offset = len - 1n;
  }
  if (offset < 0n) throw indexError(offset);
  if (sub === '') return offset > len ? len : offset;
  if (offset >= len) return -1n;
  if (hay === null) return BigInt(s.lastIndexOf(sub, Number(offset)));
  const needle = Array.from(sub);
  for (let i = Math.min(Number(offset), hay.length - needle.length); i >= 0; i--) {
    if (needle.every((c, j) => hay[i + j] === c)) return BigInt(i);
  }
  return -1n;
}

function substring(s: string, start: bigint, end: bigint | null): string {
  const cps = codePoints(s);
  const len = BigInt(cps === null ? s.length : cps.length);
  const e = end ?? len;
  if (start > e) throw new Error(`invalid substring range. start: ${start}, end: ${e}`);
  if (start < 0n || start > len) throw indexError(start);
  if (e < 0n || e > len) throw indexError(e);
  return cps === null ? s.slice(Number(start), Number(e)) : cps.slice(Number(start), Number(e)).join('');
}

function charAt(s: string, i: bigint): string {
  const cps = codePoints(s);
  const len = BigInt(cps === null ? s.length : cps.length);
  if (i < 0n || i > len) throw indexError(i);
  if (i === len) return '';
  return cps === null ? s[Number(i)]! : cps[Number(i)]!;
}

/** Go's unicode.IsSpace set (JS's trim also strips U+FEFF and keeps U+0085). */
const goSpace = '\\t\\n\\v\\f\\r \\u0085\\u00A0\\u1680\\u2000-\\u200A\\u2028\\u2029\\u202F\\u205F\\u3000';
const trimRE = new RegExp(`^[${goSpace}]+|[${goSpace}]+$`, 'g');

/** Go's strings.SplitN (n < 0: all; an empty separator splits into code points). */
function split(s: string, sep: string, n: bigint): string[] {
  if (n === 0n) return [];
  const parts = sep === '' ? Array.from(s) : s.split(sep);
  if (n < 0n || BigInt(parts.length) <= n) return parts;
  const k = Number(n);
  const head = parts.slice(0, k - 1);
  head.push(parts.slice(k - 1).join(sep));
  return head;
}

/** Go's strings.Replace: the first n occurrences (all when n < 0); an empty `from` matches before each code point and at the end. */
function replace(s: string, from: string, to: string, n: bigint): string {
  if (n === 0n) return s;
  const parts = from === '' ? Array.from(s) : s.split(from);
  const sep = from === '' ? '' : from;
  const count = from === '' ? parts.length + 1 : parts.length - 1;
  const limit = n < 0n || BigInt(count) < n ? count : Number(n);
  if (from === '') {
    let out = '';
    for (let i = 0; i <= parts.length; i++) out += (i < limit ? to : '') + (parts[i] ?? '');
    return out;
  }
  return parts.slice(0, limit + 1).join(to) + (limit < count ? sep + parts.slice(limit + 1).join(sep) : '');
}

/** cel-go's strings.quote: CEL escapes, lone surrogates (invalid UTF-8 in Go) as U+FFFD. */
function quote(s: string): string {
  let out = '"';
  // Iterating by code point leaves lone surrogates as themselves; they become U+FFFD below.
  for (const c of s) {
    switch (c) {
      case '\x07': out += '\\a'; break;
      case '\b': out += '\\b'; break;
      case '\f': out += '\\f'; break;
      case '\n': out += '\\n'; break;
      case '\r': out += '\\r'; break;
      case '\t': out += '\\t'; break;
      case '\v': out += '\\v'; break;
      case '\\': out += '\\\\'; break;
      case '"': out += '\\"'; break;
      default: out += c.length === 1 && c >= '\uD800' && c <= '\uDFFF' ? '\uFFFD' : c;
    }
  }
  return out + '"';
}

export function registerStrings(env: Environment): void {
  env.registerFunction('string.charAt(int): string', charAt);
  env.registerFunction('string.reverse(): string', (s: string) => Array.from(s).reverse().join(''));
  env.registerFunction('string.format(list): string', formatCel);
  env.registerFunction('string.replace(string, string): string', (s: string, from: string, to: string) => replace(s, from, to, -1n));
  env.registerFunction('string.replace(string, string, int): string', replace);
  env.registerType('strings', StringsNamespace);
  env.registerConstant('strings', 'strings', new StringsNamespace());
  env.registerFunction('strings.quote(string): string', (_ns: StringsNamespace, s: string) => quote(s));

  env.registerFunction('string.IndexOf(string): int', (s: string, sub: string) => indexOf(s, sub, 0n));
  env.registerFunction('string.IndexOf(string, int): int', indexOf);
  env.registerFunction('string.LastIndexOf(string): int', (s: string, sub: string) => lastIndexOf(s, sub, null));
  env.registerFunction('string.LastIndexOf(string, int): int', lastIndexOf);
  env.registerFunction('string.Substring(int): string', (s: string, start: bigint) => substring(s, start, null));
  env.registerFunction('string.Substring(int, int): string', substring);
  env.registerFunction('string.LowerAscii(): string', (s: string) => s.replace(/[A-Z]+/g, (m) => m.toLowerCase()));
  env.registerFunction('string.UpperAscii(): string', (s: string) => s.replace(/[a-z]+/g, (m) => m.toUpperCase()));
  env.registerFunction('string.Trim(): string', (s: string) => s.replace(trimRE, ''));
  env.registerFunction('string.Split(string): list<string>', (s: string, sep: string) => split(s, sep, -1n));
  env.registerFunction('string.Split(string, int): list<string>', split);
}
