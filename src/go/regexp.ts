/**
 * Go regular expressions (RE2 syntax, as Caddy's *_regexp matchers take them)
 * compiled once, at provision time, and Caddy's MatchRegexp, which publishes
 * the captures as {http.regexp.*} placeholders.
 *
 * RE2 promises matching in time linear in the input; JavaScript's RegExp
 * backtracks, and `^/(a+)+$` against "/aaaa…ab" took half a second (and
 * stalled every other request meanwhile). Every pattern is parsed by re2js,
 * a port of Go's regexp, so syntax, group names and error texts are Go's.
 * Where the pattern lies in a subset that a backtracking engine provably runs
 * in linear time (see linearSubset), it is matched by a V8 RegExp, 10–40×
 * faster; every other pattern is matched by re2js itself. scripts/bench.mjs
 * `regexp` measures both.
 */
import { RE2JS } from 're2js';

/** One match: the captures by group index (undefined where a group took no part) and where it starts. */
export interface RegexpMatch {
  readonly index: number;
  readonly length: number;
  readonly [group: number]: string | undefined;
}

export interface CompiledRegexp {
  /** Capture group names by index (index 0 is the whole match, always ''), as Go's SubexpNames. */
  readonly names: readonly string[];
  /** Which engine runs it: a V8 RegExp where that is provably linear, re2js otherwise. */
  readonly engine: 'js' | 're2';
  /** Whether the pattern matches anywhere in input. */
  test(input: string): boolean;
  /** The leftmost-first match at or after `from` (a UTF-16 index), or null. */
  exec(input: string, from?: number): RegexpMatch | null;
}

class JsRegexp implements CompiledRegexp {
  readonly engine = 'js';
  private readonly one: RegExp;
  private readonly scan: RegExp;
  constructor(
    source: string,
    readonly names: readonly string[],
  ) {
    this.one = new RegExp(source, 'u');
    this.scan = new RegExp(source, 'gu');
  }
  test(input: string): boolean {
    return this.one.test(input);
  }
  exec(input: string, from = 0): RegexpMatch | null {
    if (from === 0) return this.one.exec(input);
    this.scan.lastIndex = from;
    return this.scan.exec(input);
  }
}

class Re2Regexp implements CompiledRegexp {
  readonly engine = 're2';
  constructor(
    private readonly p: RE2JS,
    readonly names: readonly string[],
  ) {}
  test(input: string): boolean {
    return this.p.test(input);
  }
  exec(input: string, from = 0): RegexpMatch | null {
    // The capture-free DFA rejects most inputs several times faster than the capturing pass.
    if (from === 0 && !this.p.test(input)) return null;
    const m = this.p.matcher(input);
    if (!m.find(from)) return null;
    const groups: Array<string | undefined> & { index?: number } = [];
    for (let g = 0; g < this.names.length; g++) groups.push(m.group(g) ?? undefined);
    groups.index = m.start(0);
    return groups as Array<string | undefined> & { index: number };
  }
}

/** Sorted, disjoint inclusive code point ranges. */
type CharSet = ReadonlyArray<readonly [number, number]>;

const MAX_RUNE = 0x10ffff;

function normalize(ranges: Array<[number, number]>): Array<[number, number]> {
  ranges.sort((a, b) => a[0] - b[0]);
  const out: Array<[number, number]> = [];
  for (const r of ranges) {
    const last = out[out.length - 1];
    if (last && r[0] <= last[1] + 1) last[1] = Math.max(last[1], r[1]);
    else out.push([r[0], r[1]]);
  }
  return out;
}

function complement(set: CharSet): Array<[number, number]> {
  const out: Array<[number, number]> = [];
  let next = 0;
  for (const [lo, hi] of set) {
    if (lo > next) out.push([next, lo - 1]);
    next = hi + 1;
  }
  if (next <= MAX_RUNE) out.push([next, MAX_RUNE]);
  return out;
}

function disjoint(a: CharSet, b: CharSet): boolean {
  for (const [lo, hi] of a) for (const [lo2, hi2] of b) if (lo <= hi2 && lo2 <= hi) return false;
  return true;
}

const cp = (s: string) => s.codePointAt(0)!;
const DIGIT: CharSet = [[0x30, 0x39]];
const WORD: CharSet = normalize([[0x30, 0x39], [0x41, 0x5a], [0x5f, 0x5f], [0x61, 0x7a]]);
// Go's \s is ASCII whitespace without \v; JavaScript's also takes \v and Unicode spaces.
const GO_SPACE = '\\t\\n\\f\\r ';
const SPACE: CharSet = normalize([[9, 10], [12, 13], [32, 32]]);
const NOT_NEWLINE: CharSet = complement([[10, 10]]);
const CONTROL_ESCAPES: Record<string, number> = { n: 10, t: 9, r: 13, f: 12, v: 11 };
const PERL_CLASSES: Record<string, [CharSet, string]> = {
  d: [DIGIT, '0-9'],
  w: [WORD, '0-9A-Za-z_'],
  s: [SPACE, GO_SPACE],
};

/** A literal character, escaped so unicode-mode JavaScript accepts it anywhere (also in classes). */
function escapeLiteral(ch: string): string {
  const c = cp(ch);
  if (c < 0x80 && !/[0-9A-Za-z]/.test(ch)) return '\\x' + c.toString(16).padStart(2, '0');
  return ch;
}

/** One element of the pattern: a character (class) with its repeat count, or a group boundary. */
type Token =
  | { kind: 'atom'; set: CharSet; min: number; max: number }
  | { kind: 'open'; alt: boolean; reps: boolean }
  | { kind: 'close' }
  | { kind: 'bar' };

/**
 * The JavaScript source for an RE2 pattern when a backtracking engine runs it
 * in time linear in the input; null otherwise (then re2js runs it). The
 * subset: no flags, literals, `.`, classes and \d \w \s (negated too), groups
 * without repeats on them, `^` first and `$` last, and repeats on single
 * characters. Linear because (1) each repeat but the last is followed by a
 * character it cannot match, so giving a character back fails at once and no
 * repeat re-runs the one after it, and what follows the last repeat has a
 * fixed length, tried once per character given back; (2) alternatives hold
 * no repeats, so
 * trying another costs at most the pattern's length times a constant; and
 * (3) a search either is anchored by `^` or starts with a character no
 * repeat matches, so no two start positions scan the same repeated run.
 */
export function linearSubset(src: string): string | null {
  const tokens: Token[] = [];
  const openStack: Array<Extract<Token, { kind: 'open' }>> = [];
  let out = '';
  let i = 0;
  const anchored = src.startsWith('^');
  if (anchored) {
    out += '^';
    i = 1;
  }
  let endAnchor = false;
  const charAt = (k: number) => String.fromCodePoint(src.codePointAt(k)!);

  /** A single character or class at i: its set and JavaScript source; null outside the subset. */
  const atom = (): [CharSet, string] | null => {
    const ch = charAt(i);
    if (ch === '.') {
      i++;
      return [NOT_NEWLINE, '[^\\n]'];
    }
    if (ch === '\\') return escape(false);
    if (ch === '[') return charClass();
    if ('^$*+?{}()|]'.includes(ch)) return null;
    i += ch.length;
    return [[[cp(ch), cp(ch)]], escapeLiteral(ch)];
  };
  const escape = (inClass: boolean): [CharSet, string] | null => {
    const n = src[i + 1];
    if (n === undefined) return null;
    i += 2;
    const perl = PERL_CLASSES[n.toLowerCase()];
    if (perl) {
      if (n === n.toLowerCase()) return [perl[0], inClass ? perl[1] : `[${perl[1]}]`];
      return inClass ? null : [complement(perl[0]), `[^${perl[1]}]`];
    }
    const ctl = CONTROL_ESCAPES[n];
    if (ctl !== undefined) return [[[ctl, ctl]], '\\' + n];
    if (/[!-/:-@[-`{-~]/.test(n)) return [[[cp(n), cp(n)]], escapeLiteral(n)];
    return null;
  };
  const classChar = (): [CharSet, string] | null => {
    const ch = charAt(i);
    if (ch === '\\') return escape(true);
    if (ch === '[' && src[i + 1] === ':') return null;
    i += ch.length;
    return [[[cp(ch), cp(ch)]], escapeLiteral(ch)];
  };
  const charClass = (): [CharSet, string] | null => {
    i++;
    const negated = src[i] === '^';
    if (negated) i++;
    const ranges: Array<[number, number]> = [];
    let js = '';
    let first = true;
    while (i < src.length && (src[i] !== ']' || first)) {
      first = false;
      const lo = classChar();
      if (!lo) return null;
      if (src[i] === '-' && src[i + 1] !== ']' && i + 1 < src.length) {
        i++;
        const hi = classChar();
        if (!hi || lo[0].length !== 1 || hi[0].length !== 1 || lo[0][0]![0] !== lo[0][0]![1] || hi[0][0]![0] !== hi[0][0]![1]) return null;
        ranges.push([lo[0][0]![0], hi[0][0]![1]]);
        js += `${lo[1]}-${hi[1]}`;
        continue;
      }
      ranges.push(...lo[0].map(([a, b]): [number, number] => [a, b]));
      js += lo[1];
    }
    if (src[i] !== ']') return null;
    i++;
    const set = normalize(ranges);
    return [negated ? complement(set) : set, `[${negated ? '^' : ''}${js}]`];
  };

  while (i < src.length) {
    if (endAnchor) return null;
    const ch = src[i]!;
    if (ch === '(') {
      // Named groups capture by index only; their names come from re2js.
      const named = /^\(\?P?<\w+>/.exec(src.slice(i));
      if (named) {
        i += named[0].length;
        out += '(';
      } else if (src.startsWith('(?:', i)) {
        i += 3;
        out += '(?:';
      } else if (src[i + 1] === '?') return null;
      else {
        i++;
        out += '(';
      }
      const open = { kind: 'open' as const, alt: false, reps: false };
      openStack.push(open);
      tokens.push(open);
      continue;
    }
    if (ch === ')') {
      const open = openStack.pop();
      if (!open || (open.alt && open.reps) || /^[*+?{]/.test(src.slice(i + 1, i + 2))) return null;
      tokens.push({ kind: 'close' });
      out += ')';
      i++;
      continue;
    }
    if (ch === '|') {
      const open = openStack[openStack.length - 1];
      if (!open) return null;
      open.alt = true;
      tokens.push({ kind: 'bar' });
      out += '|';
      i++;
      continue;
    }
    if (ch === '$') {
      if (i !== src.length - 1 || openStack.length > 0) return null;
      endAnchor = true;
      out += '$';
      i++;
      continue;
    }
    const a = atom();
    if (!a) return null;
    let min = 1;
    let max = 1;
    const q = src[i];
    if (q === '*' || q === '+' || q === '?') {
      [min, max] = q === '*' ? [0, Infinity] : q === '+' ? [1, Infinity] : [0, 1];
      out += a[1] + q;
      i++;
    } else if (q === '{') {
      const m = /^\{(\d+)(,(\d*))?\}/.exec(src.slice(i));
      if (!m) return null;
      min = Number(m[1]);
      max = m[2] === undefined ? min : m[3] === '' ? Infinity : Number(m[3]);
      out += a[1] + m[0];
      i += m[0].length;
    } else out += a[1];
    if (src[i] === '?' && min !== max) return null; // non-greedy
    if (min !== max) for (const o of openStack) o.reps = true;
    tokens.push({ kind: 'atom', set: a[0], min, max });
  }
  if (openStack.length > 0) return null;

  // (1) what follows each repeat but the last, past group boundaries, is a mandatory character it cannot match.
  const repeated: CharSet[] = [];
  for (let k = 0; k < tokens.length; k++) {
    const t = tokens[k]!;
    if (t.kind !== 'atom' || t.min === t.max) continue;
    repeated.push(t.set);
    if (!tokens.some((u, j) => j > k && u.kind === 'atom' && u.min !== u.max)) continue;
    let j = k + 1;
    while (tokens[j]?.kind === 'close' || (tokens[j]?.kind === 'open' && !(tokens[j] as { alt: boolean }).alt)) j++;
    const next = tokens[j];
    if (next === undefined) continue;
    if (next.kind !== 'atom' || next.min === 0 || !disjoint(t.set, next.set)) return null;
  }
  // (3) an unanchored search with repeats starts with a mandatory character none of them matches.
  if (!anchored && repeated.length > 0) {
    const first = tokens.find((t) => t.kind !== 'open' || t.alt);
    if (first?.kind !== 'atom' || first.min === 0 || first.min !== first.max) return null;
    if (repeated.some((set) => !disjoint(set, first.set))) return null;
  }
  return out;
}

/**
 * Compiles an RE2 pattern (`re2` forces re2js, for tests and the benchmark). Throws an Error with Caddy's wording
 * ("compiling matcher regexp P: error parsing regexp: ...") when it is invalid.
 */
export function compileRegexp(pattern: string, engine: 'auto' | 're2' = 'auto'): CompiledRegexp {
  let p: RE2JS;
  try {
    p = RE2JS.compile(pattern);
  } catch (err) {
    throw new Error(`compiling matcher regexp ${pattern}: ${(err as Error).message}`);
  }
  const names: string[] = new Array<string>(p.groupCount() + 1).fill('');
  for (const [name, index] of Object.entries(p.namedGroups())) names[index] = name;
  const js = engine === 'auto' ? linearSubset(pattern) : null;
  return js === null ? new Re2Regexp(p, names) : new JsRegexp(js, names);
}

const wordRE = /\w/;

/**
 * Caddy's MatchRegexp: a named RE2 pattern whose captures become
 * {http.regexp.NAME.N}, {http.regexp.NAME.group} and the unnamed
 * {http.regexp.N} / {http.regexp.group} on a match. Placeholder keys are
 * built once here; a match only sets values.
 */
export class RegexpMatcher {
  readonly re: CompiledRegexp;
  private readonly keys: Array<[named: string | null, plain: string, group: number]>;

  constructor(name: string | undefined, pattern: string) {
    if (name && !wordRE.test(name)) throw new Error(`invalid regexp name (must contain only word characters): ${name}`);
    this.re = compileRegexp(pattern);
    const { names } = this.re;
    this.keys = [];
    const named = (suffix: string) => (name ? `http.regexp.${name}.${suffix}` : null);
    for (let i = 0; i < names.length; i++) this.keys.push([named(String(i)), `http.regexp.${i}`, i]);
    for (let i = 1; i < names.length; i++) {
      if (names[i]) this.keys.push([named(names[i]!), `http.regexp.${names[i]}`, i]);
    }
  }

  /** Tests input; on a match, publishes the captures on repl (unmatched groups as ''). */
  match(input: string, repl: { set(key: string, value: unknown): void }): boolean {
    const m = this.re.exec(input);
    if (m === null) return false;
    for (const [named, plain, group] of this.keys) {
      const v = m[group] ?? '';
      if (named !== null) repl.set(named, v);
      repl.set(plain, v);
    }
    return true;
  }
}
