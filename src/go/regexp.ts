/**
 * Go regular expressions (RE2 syntax, as Caddy's *_regexp matchers take them)
 * compiled to JavaScript RegExps once, at provision time, and Caddy's
 * MatchRegexp, which publishes the captures as {http.regexp.*} placeholders.
 *
 * The translation covers what RE2 writes differently: (?P<name>...) groups,
 * leading and mid-pattern flag groups ((?i), (?s), (?m), (?i:...)), \A \z,
 * \Q...\E, [[:alpha:]] classes, \pL / \p{Greek}, \x{...}, `.` not matching
 * only \n, \s being ASCII whitespace, and escaped punctuation JavaScript's
 * unicode mode refuses. Named groups become plain groups whose names are
 * kept on the side, so any RE2 name works and captures are published by
 * index and by name exactly as Go's SubexpNames gives them. JavaScript's
 * engine backtracks where RE2 is linear; the matching results are the same.
 */
import type { Replacer } from '../core/replacer.js';

export interface CompiledRegexp {
  readonly re: RegExp;
  /** Capture group names by index (index 0 is the whole match, always ''). */
  readonly names: readonly string[];
}

const POSIX: Record<string, string> = {
  alnum: '0-9A-Za-z',
  alpha: 'A-Za-z',
  ascii: '\\x00-\\x7f',
  blank: '\\t ',
  cntrl: '\\x00-\\x1f\\x7f',
  digit: '0-9',
  graph: '!-~',
  lower: 'a-z',
  print: ' -~',
  punct: '!-\\/:-@\\[-`{-~',
  space: '\\t\\n\\v\\f\\r ',
  upper: 'A-Z',
  word: '0-9A-Za-z_',
  xdigit: '0-9A-Fa-f',
};

// Unicode general categories (\p{L} works as is); anything else is a script.
const CATEGORIES = new Set([
  'C', 'Cc', 'Cf', 'Co', 'Cs', 'L', 'Ll', 'Lm', 'Lo', 'Lt', 'Lu', 'M', 'Mc', 'Me', 'Mn', 'N', 'Nd', 'Nl', 'No',
  'P', 'Pc', 'Pd', 'Pe', 'Pf', 'Pi', 'Po', 'Ps', 'S', 'Sc', 'Sk', 'Sm', 'So', 'Z', 'Zl', 'Zp', 'Zs',
]);

function unicodeClass(name: string, negated: boolean): string {
  let prop: string;
  if (name === 'Any') return negated ? '[^\\s\\S]' : '[\\s\\S]';
  if (CATEGORIES.has(name)) prop = name;
  else prop = `Script=${name}`;
  return `\\${negated ? 'P' : 'p'}{${prop}}`;
}

// Characters that must stay escaped in a JavaScript pattern (unicode mode).
const JS_SYNTAX = new Set('^$\\.*+?()[]{}|/'.split(''));

/** A literal character, escaped so unicode-mode JavaScript accepts it anywhere (also in classes). */
function escapeLiteral(ch: string): string {
  if (JS_SYNTAX.has(ch)) return '\\' + ch;
  const c = ch.charCodeAt(0);
  if (ch.length === 1 && c < 0x80 && !/[0-9A-Za-z]/.test(ch)) return '\\x' + c.toString(16).padStart(2, '0');
  return ch;
}

const GO_SPACE = '\\t\\n\\f\\r ';

/** Translates one RE2 pattern; throws on syntax JavaScript cannot express. */
function translate(src: string): { pattern: string; flags: string; names: string[] } {
  const names: string[] = [''];
  let out = '';
  let i = 0;
  let flags = '';
  // Leading flags apply to the whole pattern: (?i)(?s)... → RegExp flags.
  for (;;) {
    const m = /^\(\?([imsU]+)\)/.exec(src.slice(i));
    if (!m) break;
    for (const f of m[1]!) {
      if (f === 'U') throw new Error('the (?U) ungreedy flag is not supported');
      if (!flags.includes(f)) flags += f;
    }
    i += m[0].length;
  }
  // Groups opened by a mid-pattern "(?flags)" close when their enclosing group does.
  const pendingClose: string[][] = [[]];
  // Whether '.' matches '\n' at each group depth ((?s) and (?s:...) scopes).
  const dotAllStack: boolean[] = [flags.includes('s')];
  const dotAll = () => dotAllStack[dotAllStack.length - 1]!;
  const enter = (mods: string) => {
    let d = dotAll();
    const minus = mods.indexOf('-');
    if (mods.includes('s') && (minus < 0 || mods.indexOf('s') < minus)) d = true;
    if (minus >= 0 && mods.slice(minus).includes('s')) d = false;
    return d;
  };

  while (i < src.length) {
    const ch = src[i]!;
    if (ch === '\\') {
      const next = src[i + 1];
      if (next === undefined) throw new Error('trailing backslash at end of expression');
      i += 2;
      switch (next) {
        case 'A':
          out += '(?<![\\s\\S])';
          break;
        case 'z':
          out += '(?![\\s\\S])';
          break;
        case 'Q': {
          const end = src.indexOf('\\E', i);
          const lit = end < 0 ? src.slice(i) : src.slice(i, end);
          for (const c of lit) out += escapeLiteral(c);
          i = end < 0 ? src.length : end + 2;
          break;
        }
        case 's':
          out += `[${GO_SPACE}]`;
          break;
        case 'S':
          out += `[^${GO_SPACE}]`;
          break;
        case 'p':
        case 'P': {
          let name: string;
          if (src[i] === '{') {
            const end = src.indexOf('}', i);
            if (end < 0) throw new Error('invalid character class range');
            name = src.slice(i + 1, end);
            i = end + 1;
          } else {
            name = src[i] ?? '';
            i++;
          }
          let neg = next === 'P';
          if (name.startsWith('^')) {
            neg = !neg;
            name = name.slice(1);
          }
          out += unicodeClass(name, neg);
          break;
        }
        case 'x':
          if (src[i] === '{') {
            const end = src.indexOf('}', i);
            out += `\\u{${src.slice(i + 1, end)}}`;
            i = end + 1;
          } else {
            out += '\\x' + src.slice(i, i + 2);
            i += 2;
          }
          break;
        case 'C':
          throw new Error('\\C is not supported');
        default:
          if (/[0-9A-Za-z]/.test(next)) out += '\\' + next; // \d \w \b \n \t ... mean the same
          else out += escapeLiteral(next);
      }
      continue;
    }
    if (ch === '[') {
      // Character class: copy, translating POSIX classes and escapes.
      let cls = '[';
      i++;
      if (src[i] === '^') {
        cls += '^';
        i++;
      }
      let first = true;
      while (i < src.length && (src[i] !== ']' || first)) {
        first = false;
        const c = src[i]!;
        if (c === '[' && src[i + 1] === ':') {
          const end = src.indexOf(':]', i + 2);
          if (end < 0) throw new Error('missing closing ]');
          let name = src.slice(i + 2, end);
          const neg = name.startsWith('^');
          if (neg) name = name.slice(1);
          const body = POSIX[name];
          if (!body) throw new Error(`invalid character class range: [:${name}:]`);
          if (neg) throw new Error('negated POSIX classes are not supported');
          cls += body;
          i = end + 2;
          continue;
        }
        if (c === '\\') {
          const n = src[i + 1];
          if (n === undefined) throw new Error('missing closing ]');
          i += 2;
          if (n === 's') cls += GO_SPACE;
          else if (n === 'p' || n === 'P') {
            let name: string;
            if (src[i] === '{') {
              const end = src.indexOf('}', i);
              name = src.slice(i + 1, end);
              i = end + 1;
            } else {
              name = src[i] ?? '';
              i++;
            }
            cls += unicodeClass(name, n === 'P');
          } else if (n === 'x' && src[i] === '{') {
            const end = src.indexOf('}', i);
            cls += `\\u{${src.slice(i + 1, end)}}`;
            i = end + 1;
          } else if (/[0-9A-Za-z]/.test(n)) cls += '\\' + n;
          else cls += escapeLiteral(n);
          continue;
        }
        if (c === '[') cls += '\\[';
        else if (c === '/') cls += '\\/';
        else cls += c;
        i++;
      }
      if (src[i] !== ']') throw new Error('missing closing ]');
      i++;
      out += cls + ']';
      continue;
    }
    if (ch === '(') {
      if (src[i + 1] === '?') {
        const rest = src.slice(i + 2);
        const named = /^P?<([^>]*)>/.exec(rest);
        if (named) {
          if (!/^\w+$/.test(named[1]!)) throw new Error(`invalid named capture: ${named[1]}`);
          names.push(named[1]!);
          out += '(';
          i += 2 + named[0].length;
          pendingClose.push([]);
          dotAllStack.push(dotAll());
          continue;
        }
        const fl = /^([imsU-]*)(:|\))/.exec(rest);
        if (fl) {
          if (fl[1]!.includes('U')) throw new Error('the (?U) ungreedy flag is not supported');
          const mods = fl[1]!;
          i += 2 + fl[0].length;
          const jsMods = mods.replace(/s/g, '').replace(/-$/, '');
          if (fl[2] === ':') {
            out += jsMods === '' || jsMods === '-' ? '(?:' : `(?${jsMods}:`;
            pendingClose.push([]);
            dotAllStack.push(enter(mods));
          } else {
            // "(?i)" in the middle: applies to the rest of the enclosing group.
            dotAllStack[dotAllStack.length - 1] = enter(mods);
            if (jsMods !== '' && jsMods !== '-') {
              out += `(?${jsMods}:`;
              pendingClose[pendingClose.length - 1]!.push(jsMods);
            }
          }
          continue;
        }
        throw new Error(`invalid or unsupported Perl syntax: (?${rest.slice(0, 1)}`);
      }
      names.push('');
      out += '(';
      pendingClose.push([]);
      dotAllStack.push(dotAll());
      i++;
      continue;
    }
    if (ch === ')') {
      const extra = pendingClose.pop();
      if (extra === undefined || pendingClose.length === 0) throw new Error('unexpected )');
      dotAllStack.pop();
      out += ')'.repeat(extra.length) + ')';
      i++;
      continue;
    }
    if (ch === '|') {
      // Mid-pattern flags last to the end of the group, across '|': close
      // their JavaScript groups before the bar and reopen them after it.
      const open = pendingClose[pendingClose.length - 1]!;
      out += ')'.repeat(open.length) + '|' + open.map((m) => `(?${m}:`).join('');
      i++;
      continue;
    }
    if (ch === '.') {
      out += dotAll() ? '[\\s\\S]' : '[^\\n]';
      i++;
      continue;
    }
    if (ch === '{') {
      // A repeat only when it is one; otherwise a literal brace (RE2 and Perl agree).
      const m = /^\{(\d+)(,(\d*))?\}/.exec(src.slice(i));
      if (m && out !== '') {
        out += m[0];
        i += m[0].length;
      } else {
        out += '\\{';
        i++;
      }
      continue;
    }
    if (ch === '}' || ch === ']' || ch === '/') {
      out += '\\' + ch;
      i++;
      continue;
    }
    out += ch;
    i++;
  }
  if (pendingClose.length !== 1) throw new Error('missing closing )');
  out += ')'.repeat(pendingClose[0]!.length);
  return { pattern: out, flags: flags.replace('s', ''), names };
}

/**
 * Compiles an RE2 pattern. Throws an Error with Caddy's wording
 * ("compiling matcher regexp P: ...") when the pattern is invalid.
 */
export function compileRegexp(pattern: string): CompiledRegexp {
  let t: ReturnType<typeof translate>;
  try {
    t = translate(pattern);
  } catch (err) {
    throw new Error(`compiling matcher regexp ${pattern}: ${(err as Error).message}`);
  }
  let re: RegExp;
  try {
    re = new RegExp(t.pattern, t.flags + 'u');
  } catch {
    try {
      re = new RegExp(t.pattern, t.flags);
    } catch (err) {
      throw new Error(`compiling matcher regexp ${pattern}: ${(err as Error).message}`);
    }
  }
  return { re, names: t.names };
}

const wordRE = /\w/;

/**
 * Caddy's MatchRegexp: a named RE2 pattern whose captures become
 * {http.regexp.NAME.N}, {http.regexp.NAME.group} and the unnamed
 * {http.regexp.N} / {http.regexp.group} on a match. Placeholder keys are
 * built once here; a match only sets values.
 */
export class RegexpMatcher {
  readonly re: RegExp;
  private readonly keys: Array<[named: string | null, plain: string, group: number]>;

  constructor(name: string | undefined, pattern: string) {
    if (name && !wordRE.test(name)) throw new Error(`invalid regexp name (must contain only word characters): ${name}`);
    const { re, names } = compileRegexp(pattern);
    this.re = re;
    this.keys = [];
    const named = (suffix: string) => (name ? `http.regexp.${name}.${suffix}` : null);
    for (let i = 0; i < names.length; i++) this.keys.push([named(String(i)), `http.regexp.${i}`, i]);
    for (let i = 1; i < names.length; i++) {
      if (names[i]) this.keys.push([named(names[i]!), `http.regexp.${names[i]}`, i]);
    }
  }

  /** Tests input; on a match, publishes the captures on repl (unmatched groups as ''). */
  match(input: string, repl: Replacer): boolean {
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
