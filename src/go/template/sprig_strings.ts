/** Sprig's string functions (strings.go, regex.go), with Sprig's argument order (the string last). */
import { createHash } from 'node:crypto';
import { compileRegexp } from '../regexp.js';
import { compileGoRegexp, replaceAll as goReplaceAll } from '../replace.js';
import { goFunc } from './builtins.js';
import { goQuoteString } from './printf.js';
import { strval, toInt64, toList, toStr } from './sprig_cast.js';
import type { GoFunc } from './values.js';

const s = toStr;

/** strings.Title: the first letter of every word upper-cased. */
export function title(str: string): string {
  return str.replace(/(^|[^\p{L}\p{N}_'])(\p{L})/gu, (_m, pre: string, c: string) => pre + c.toUpperCase());
}

function untitle(str: string): string {
  return str.replace(/(^|[^\p{L}\p{N}_'])(\p{L})/gu, (_m, pre: string, c: string) => pre + c.toLowerCase());
}

function words(str: string): string[] {
  return str
    .replace(/([a-z0-9])([A-Z])/g, '$1 $2')
    .split(/[^\p{L}\p{N}]+/u)
    .filter(Boolean);
}

function trimCutset(str: string, cutset: string, left: boolean, right: boolean): string {
  const set = new Set([...cutset]);
  const chars = [...str];
  let a = 0;
  let b = chars.length;
  if (left) while (a < b && set.has(chars[a]!)) a++;
  if (right) while (b > a && set.has(chars[b - 1]!)) b--;
  return chars.slice(a, b).join('');
}

function substr(start: number, end: number, str: string): string {
  // sprig substr works on bytes; ASCII text behaves the same.
  if (start < 0) return str.slice(0, end);
  if (end < 0 || end > str.length) return str.slice(start);
  return str.slice(start, end);
}

function trunc(c: number, str: string): string {
  if (c < 0 && str.length + c > 0) return str.slice(str.length + c);
  if (c >= 0 && str.length > c) return str.slice(0, c);
  return str;
}

function abbrev(width: number, str: string): string {
  if (width < 4) return str;
  if ([...str].length <= width) return str;
  return [...str].slice(0, width - 3).join('') + '...';
}

function indent(spaces: number, v: string): string {
  const pad = ' '.repeat(Math.max(0, spaces));
  return pad + v.replace(/\n/g, '\n' + pad);
}

function wrap(width: number, str: string, newline = '\n'): string {
  // goutils.WrapCustom without long-word wrapping.
  const out: string[] = [];
  for (const line of str.split('\n')) {
    let cur = '';
    for (const w of line.split(' ')) {
      if (cur === '') cur = w;
      else if (cur.length + 1 + w.length <= width) cur += ' ' + w;
      else {
        out.push(cur);
        cur = w;
      }
    }
    out.push(cur);
  }
  return out.join(newline);
}

function regex(re: unknown): ReturnType<typeof compileRegexp> {
  return compileRegexp(s(re), 're2');
}

/** All matches (Go's FindAllStringIndex): after an empty match, the next search starts one character on. */
function allMatches(re: unknown, text: string, max: number): Array<{ index: number; text: string }> {
  const r = regex(re);
  const out: Array<{ index: number; text: string }> = [];
  let pos = 0;
  let prevEnd = -1;
  while (pos <= text.length && (max < 0 || out.length < max)) {
    const m = r.exec(text, pos);
    if (m === null) break;
    const matched = m[0] ?? '';
    const end = m.index + matched.length;
    if (matched.length === 0 && m.index === prevEnd) {
      pos = m.index + 1;
      continue;
    }
    out.push({ index: m.index, text: matched });
    prevEnd = end;
    pos = matched.length === 0 ? end + 1 : end;
  }
  return out;
}

function regexFindAll(re: unknown, str: unknown, n: unknown): string[] {
  return allMatches(re, s(str), toInt64(n)).map((m) => m.text);
}

function regexSplit(re: unknown, str: unknown, n: unknown): string[] {
  const text = s(str);
  const max = toInt64(n);
  if (max === 0) return [];
  if (s(re) === '' || text === '') return [text];
  const out: string[] = [];
  let beg = 0;
  for (const m of allMatches(re, text, -1)) {
    if (max > 0 && out.length === max - 1) break;
    const end = m.index;
    if (m.text.length === 0 && m.index === 0) continue;
    out.push(text.slice(beg, end));
    beg = m.index + m.text.length;
  }
  out.push(text.slice(beg));
  return out;
}

function replaceLiteral(re: unknown, str: unknown, repl: unknown): string {
  const text = s(str);
  let out = '';
  let last = 0;
  for (const m of allMatches(re, text, -1)) {
    out += text.slice(last, m.index) + s(repl);
    last = m.index + m.text.length;
  }
  return out + text.slice(last);
}

function quoteAll(args: unknown[], q: (x: string) => string): string {
  return args
    .filter((a) => a !== undefined && a !== null)
    .map((a) => q(strval(a)))
    .join(' ');
}

function toSplitMap(parts: string[]): Record<string, string> {
  const out: Record<string, string> = {};
  parts.forEach((p, i) => (out['_' + i] = p));
  return out;
}

function goSplitN(str: string, sep: string, n: number): string[] {
  if (n === 0) return [];
  const all = sep === '' ? [...str] : str.split(sep);
  if (n < 0 || all.length <= n) return all;
  return [...all.slice(0, n - 1), all.slice(n - 1).join(sep)];
}

function initials(str: string): string {
  return str
    .split(/\s+/)
    .filter(Boolean)
    .map((w) => [...w][0])
    .join('');
}

function swapcase(str: string): string {
  return [...str].map((c) => (c === c.toUpperCase() ? c.toLowerCase() : c.toUpperCase())).join('');
}

export const STRING_FUNCS: ReadonlyArray<[string, GoFunc]> = [
  ['trim', goFunc(1, 1, (a) => s(a).trim())],
  ['trimAll', goFunc(2, 2, (cut, a) => trimCutset(s(a), s(cut), true, true))],
  ['trimall', goFunc(2, 2, (cut, a) => trimCutset(s(a), s(cut), true, true))],
  ['trimPrefix', goFunc(2, 2, (p, a) => (s(a).startsWith(s(p)) ? s(a).slice(s(p).length) : s(a)))],
  ['trimSuffix', goFunc(2, 2, (x, a) => (s(x) !== '' && s(a).endsWith(s(x)) ? s(a).slice(0, s(a).length - s(x).length) : s(a)))],
  ['upper', goFunc(1, 1, (a) => s(a).toUpperCase())],
  ['lower', goFunc(1, 1, (a) => s(a).toLowerCase())],
  ['title', goFunc(1, 1, (a) => title(s(a)))],
  ['untitle', goFunc(1, 1, (a) => untitle(s(a)))],
  ['substr', goFunc(3, 3, (a, b, c) => substr(toInt64(a), toInt64(b), s(c)))],
  ['repeat', goFunc(2, 2, (n, a) => s(a).repeat(Math.max(0, toInt64(n))))],
  ['trunc', goFunc(2, 2, (n, a) => trunc(toInt64(n), s(a)))],
  ['abbrev', goFunc(2, 2, (n, a) => abbrev(toInt64(n), s(a)))],
  ['abbrevboth', goFunc(3, 3, (l, r, a) => abbrev(toInt64(r), s(a).length > toInt64(l) ? '...' + s(a).slice(toInt64(l) + 3) : s(a)))],
  ['initials', goFunc(1, 1, (a) => initials(s(a)))],
  ['wrap', goFunc(2, 2, (w, a) => wrap(toInt64(w), s(a)))],
  ['wrapWith', goFunc(3, 3, (w, nl, a) => wrap(toInt64(w), s(a), s(nl)))],
  ['contains', goFunc(2, 2, (sub, a) => s(a).includes(s(sub)))],
  ['hasPrefix', goFunc(2, 2, (p, a) => s(a).startsWith(s(p)))],
  ['hasSuffix', goFunc(2, 2, (p, a) => s(a).endsWith(s(p)))],
  ['quote', goFunc(0, Infinity, (...a) => quoteAll(a, (x) => goQuoteString(x, false)))],
  ['squote', goFunc(0, Infinity, (...a) => quoteAll(a, (x) => `'${x}'`))],
  ['cat', goFunc(0, Infinity, (...a) => a.filter((x) => x !== undefined && x !== null).map(strval).join(' '))],
  ['indent', goFunc(2, 2, (n, a) => indent(toInt64(n), s(a)))],
  ['nindent', goFunc(2, 2, (n, a) => '\n' + indent(toInt64(n), s(a)))],
  ['replace', goFunc(3, 3, (o, n, a) => s(a).split(s(o)).join(s(n)))],
  ['plural', goFunc(3, 3, (one, many, n) => (toInt64(n) === 1 ? s(one) : s(many)))],
  ['sha1sum', goFunc(1, 1, (a) => createHash('sha1').update(s(a)).digest('hex'))],
  ['sha256sum', goFunc(1, 1, (a) => createHash('sha256').update(s(a)).digest('hex'))],
  ['sha512sum', goFunc(1, 1, (a) => createHash('sha512').update(s(a)).digest('hex'))],
  ['nospace', goFunc(1, 1, (a) => s(a).replace(/\s/gu, ''))],
  ['snakecase', goFunc(1, 1, (a) => words(s(a)).map((w) => w.toLowerCase()).join('_'))],
  ['kebabcase', goFunc(1, 1, (a) => words(s(a)).map((w) => w.toLowerCase()).join('-'))],
  ['camelcase', goFunc(1, 1, (a) => words(s(a)).map((w) => w[0]!.toUpperCase() + w.slice(1).toLowerCase()).join(''))],
  ['swapcase', goFunc(1, 1, (a) => swapcase(s(a)))],
  ['toString', goFunc(1, 1, (a) => strval(a))],
  ['toStrings', goFunc(1, 1, (a) => (a === undefined || a === null ? [] : toList(a, 'toStrings').map(strval)))],
  ['split', goFunc(2, 2, (sep, a) => toSplitMap(s(a).split(s(sep))))],
  ['splitList', goFunc(2, 2, (sep, a) => (s(sep) === '' ? [...s(a)] : s(a).split(s(sep))))],
  ['splitn', goFunc(3, 3, (sep, n, a) => toSplitMap(goSplitN(s(a), s(sep), toInt64(n))))],
  ['join', goFunc(2, 2, (sep, v) => (Array.isArray(v) ? v.filter((x) => x !== undefined && x !== null).map(strval) : [strval(v)]).join(s(sep)))],
  ['sortAlpha', goFunc(1, 1, (v) => (Array.isArray(v) ? v.map(strval).sort((x, y) => (x < y ? -1 : x > y ? 1 : 0)) : [strval(v)]))],
  ['regexMatch', goFunc(2, 2, (re, a) => regex(re).test(s(a)))],
  ['mustRegexMatch', goFunc(2, 2, (re, a) => regex(re).test(s(a)))],
  ['regexFind', goFunc(2, 2, (re, a) => regex(re).exec(s(a), 0)?.[0] ?? '')],
  ['mustRegexFind', goFunc(2, 2, (re, a) => regex(re).exec(s(a), 0)?.[0] ?? '')],
  ['regexFindAll', goFunc(3, 3, (re, a, n) => regexFindAll(re, a, n))],
  ['mustRegexFindAll', goFunc(3, 3, (re, a, n) => regexFindAll(re, a, n))],
  ['regexReplaceAll', goFunc(3, 3, (re, a, r) => goReplaceAll(compileGoRegexp(s(re)), s(a), s(r)))],
  ['mustRegexReplaceAll', goFunc(3, 3, (re, a, r) => goReplaceAll(compileGoRegexp(s(re)), s(a), s(r)))],
  ['regexReplaceAllLiteral', goFunc(3, 3, (re, a, r) => replaceLiteral(re, a, r))],
  ['mustRegexReplaceAllLiteral', goFunc(3, 3, (re, a, r) => replaceLiteral(re, a, r))],
  ['regexSplit', goFunc(3, 3, (re, a, n) => regexSplit(re, a, n))],
  ['mustRegexSplit', goFunc(3, 3, (re, a, n) => regexSplit(re, a, n))],
  ['regexQuoteMeta', goFunc(1, 1, (a) => s(a).replace(/[\\.+*?()|[\]{}^$]/g, '\\$&'))],
];
