/**
 * Go's fmt.Sprintf for the verbs templates use: %v %+v %#v %T %d %s %q %x
 * %X %o %O %b %c %U %e %E %f %F %g %G %t %p %%, flags (+ - # 0 space),
 * width and precision (also `*`), and Go's complaints in the output
 * (%!d(string=x), %!d(MISSING), %!(EXTRA int=1), %!z(int=1)).
 */
import { formatExp, formatNumber, formatValue, isMap, mapGet, mapKeys, typeName } from './values.js';

interface Spec {
  plus: boolean;
  minus: boolean;
  sharp: boolean;
  zero: boolean;
  space: boolean;
  width: number; // -1: none
  prec: number; // -1: none
}

function pad(s: string, f: Spec, numeric: boolean): string {
  if (f.width < 0) return s;
  const n = [...s].length;
  if (n >= f.width) return s;
  const fill = f.width - n;
  if (f.minus) return s + ' '.repeat(fill);
  if (f.zero && numeric) {
    // Zeros go after the sign.
    const signed = s[0] === '-' || s[0] === '+' || s[0] === ' ';
    return signed ? s[0] + '0'.repeat(fill) + s.slice(1) : '0'.repeat(fill) + s;
  }
  return ' '.repeat(fill) + s;
}

function goQuoteString(s: string, ascii: boolean): string {
  let out = '"';
  for (const ch of s) {
    const cp = ch.codePointAt(0)!;
    switch (ch) {
      case '"': out += '\\"'; continue;
      case '\\': out += '\\\\'; continue;
      case '\n': out += '\\n'; continue;
      case '\r': out += '\\r'; continue;
      case '\t': out += '\\t'; continue;
      case '\x07': out += '\\a'; continue;
      case '\b': out += '\\b'; continue;
      case '\f': out += '\\f'; continue;
      case '\v': out += '\\v'; continue;
    }
    if (cp < 0x20 || cp === 0x7f) out += '\\x' + cp.toString(16).padStart(2, '0');
    else if (ascii && cp > 0x7e) out += cp > 0xffff ? '\\U' + cp.toString(16).padStart(8, '0') : '\\u' + cp.toString(16).padStart(4, '0');
    else out += ch;
  }
  return out + '"';
}

export { goQuoteString };

function intString(v: number | bigint, base: number, f: Spec, upper: boolean): string {
  const neg = typeof v === 'bigint' ? v < 0n : v < 0;
  const abs = typeof v === 'bigint' ? (neg ? -v : v) : Math.abs(v);
  let digits = abs.toString(base);
  if (upper) digits = digits.toUpperCase();
  if (f.prec >= 0) {
    if (f.prec === 0 && digits === '0') digits = '';
    digits = digits.padStart(f.prec, '0');
  }
  if (f.sharp) {
    if (base === 16) digits = (upper ? '0X' : '0x') + digits;
    else if (base === 8 && digits[0] !== '0') digits = '0' + digits;
    else if (base === 2) digits = '0b' + digits;
  }
  const sign = neg ? '-' : f.plus ? '+' : f.space ? ' ' : '';
  return sign + digits;
}

function floatString(v: number, verb: string, f: Spec): string {
  let s: string;
  if (!Number.isFinite(v)) {
    s = Number.isNaN(v) ? 'NaN' : v > 0 ? (f.plus ? '+Inf' : 'Inf') : '-Inf';
    return s;
  }
  switch (verb) {
    case 'e':
    case 'E':
      s = formatExp(v, f.prec < 0 ? 6 : f.prec, verb);
      break;
    case 'f':
    case 'F':
      s = v.toFixed(f.prec < 0 ? 6 : Math.min(f.prec, 100));
      break;
    default: {
      // %g: shortest, exponent when exp < -4 || exp >= precision (21 for shortest, as %v).
      if (f.prec < 0) {
        s = formatNumber(v);
        if (Number.isInteger(v) && Math.abs(v) >= 1e21) s = formatExp(v, -1, 'e');
      } else {
        const p = f.prec === 0 ? 1 : f.prec;
        const exp = v === 0 ? 0 : Math.floor(Math.log10(Math.abs(v)));
        if (exp < -4 || exp >= p) s = formatExp(Number(v.toPrecision(p)), -1, 'e');
        else s = String(Number(v.toPrecision(p)));
      }
      if (verb === 'G') s = s.toUpperCase();
    }
  }
  if (f.plus && v >= 0) s = '+' + s;
  else if (f.space && v >= 0) s = ' ' + s;
  return s;
}

function bad(verb: string, v: unknown): string {
  if (v === undefined || v === null) return `%!${verb}(<nil>)`;
  return `%!${verb}(${typeName(v)}=${formatValue(v)})`;
}

function goSyntax(v: unknown): string {
  if (v === undefined || v === null) return '<nil>';
  if (typeof v === 'string') return goQuoteString(v, false);
  if (Array.isArray(v)) return '[]interface {}{' + v.map(goSyntax).join(', ') + '}';
  if (isMap(v)) return 'map[string]interface {}{' + mapKeys(v).map((k) => goSyntax(k) + ':' + goSyntax(mapGet(v, k))).join(', ') + '}';
  return formatValue(v);
}

function formatOne(verb: string, v: unknown, f: Spec): string {
  switch (verb) {
    case 'v':
      if (f.sharp) return pad(goSyntax(v), f, false);
      if (typeof v === 'number' && !Number.isInteger(v)) return pad(floatString(v, 'g', f), f, true);
      if (typeof v === 'number') return pad(intString(v, 10, f, false), f, true);
      return pad(formatValue(v, f.plus), f, false);
    case 'T':
      return pad(typeName(v), f, false);
    case 't':
      if (typeof v !== 'boolean') return bad(verb, v);
      return pad(v ? 'true' : 'false', f, false);
    case 'd':
    case 'b':
    case 'o':
    case 'O':
    case 'x':
    case 'X':
    case 'c':
    case 'U':
    case 'q':
      if (typeof v === 'number' && Number.isInteger(v)) {
        if (verb === 'c') return pad(String.fromCodePoint(v), f, false);
        if (verb === 'U') return pad('U+' + v.toString(16).toUpperCase().padStart(4, '0'), f, false);
        if (verb === 'q') return pad("'" + goQuoteString(String.fromCodePoint(v), f.plus).slice(1, -1).replace(/\\"/g, '"').replace(/'/g, "\\'") + "'", f, false);
        if (verb === 'O') return pad((v < 0 ? '-0o' : '0o') + Math.abs(v).toString(8), f, true);
        const base = verb === 'd' ? 10 : verb === 'b' ? 2 : verb === 'o' ? 8 : 16;
        return pad(intString(v, base, f, verb === 'X'), f, true);
      }
      if (typeof v === 'bigint') return pad(intString(v, verb === 'd' ? 10 : verb === 'b' ? 2 : verb === 'o' ? 8 : 16, f, verb === 'X'), f, true);
      if (typeof v === 'number' && (verb === 'x' || verb === 'X' || verb === 'b')) {
        return bad(verb, v);
      }
      if (typeof v === 'string') {
        if (verb === 'q') return pad(f.sharp && !v.includes('`') ? '`' + v + '`' : goQuoteString(v, f.plus), f, false);
        if (verb === 'x' || verb === 'X') {
          let hex = Buffer.from(v, 'utf8').toString('hex');
          if (f.prec >= 0) hex = Buffer.from(v, 'utf8').subarray(0, f.prec).toString('hex');
          if (verb === 'X') hex = hex.toUpperCase();
          if (f.space) hex = hex.replace(/(..)(?!$)/g, '$1 ');
          return pad(hex, f, false);
        }
      }
      if (Array.isArray(v)) return '[' + v.map((x) => formatOne(verb, x, { ...f, width: -1 })).join(' ') + ']';
      return bad(verb, v);
    case 's':
      if (typeof v === 'string') return pad(f.prec >= 0 ? [...v].slice(0, f.prec).join('') : v, f, false);
      if (typeof v === 'number' || typeof v === 'boolean') return bad(verb, v);
      if (Array.isArray(v)) return '[' + v.map((x) => formatOne(verb, x, { ...f, width: -1 })).join(' ') + ']';
      {
        const s = formatValue(v);
        return pad(f.prec >= 0 ? [...s].slice(0, f.prec).join('') : s, f, false);
      }
    case 'e':
    case 'E':
    case 'f':
    case 'F':
    case 'g':
    case 'G':
      if (typeof v !== 'number') return bad(verb, v);
      return pad(floatString(v, verb, f), f, true);
    case 'p':
      return bad(verb, v);
    default:
      return `%!${verb}(${typeName(v)}=${formatValue(v)})`;
  }
}

/** fmt.Sprintf. */
export function sprintf(format: string, args: readonly unknown[]): string {
  let out = '';
  let argNum = 0;
  const n = format.length;
  for (let i = 0; i < n; ) {
    const pct = format.indexOf('%', i);
    if (pct < 0) {
      out += format.slice(i);
      break;
    }
    out += format.slice(i, pct);
    i = pct + 1;
    const f: Spec = { plus: false, minus: false, sharp: false, zero: false, space: false, width: -1, prec: -1 };
    flags: for (; i < n; i++) {
      switch (format[i]) {
        case '+': f.plus = true; break;
        case '-': f.minus = true; f.zero = false; break;
        case '#': f.sharp = true; break;
        case '0': f.zero = !f.minus; break;
        case ' ': f.space = true; break;
        default: break flags;
      }
    }
    // Width.
    if (format[i] === '*') {
      i++;
      const w = args[argNum++];
      if (typeof w === 'number' && Number.isInteger(w)) {
        f.width = Math.abs(w);
        if (w < 0) {
          f.minus = true;
          f.zero = false;
        }
      } else out += '%!(BADWIDTH)';
    } else {
      const m = /^\d+/.exec(format.slice(i));
      if (m) {
        f.width = Number(m[0]);
        i += m[0].length;
      }
    }
    // Precision.
    if (format[i] === '.') {
      i++;
      if (format[i] === '*') {
        i++;
        const p = args[argNum++];
        if (typeof p === 'number' && Number.isInteger(p) && p >= 0) f.prec = p;
        else out += '%!(BADPREC)';
      } else {
        const m = /^\d+/.exec(format.slice(i));
        f.prec = m ? Number(m[0]) : 0;
        if (m) i += m[0].length;
      }
    }
    if (i >= n) {
      out += '%!(NOVERB)';
      break;
    }
    const cp = format.codePointAt(i)!;
    const verb = String.fromCodePoint(cp);
    i += verb.length;
    if (verb === '%') {
      out += '%';
      continue;
    }
    if (argNum >= args.length) {
      out += `%!${verb}(MISSING)`;
      continue;
    }
    out += formatOne(verb, args[argNum++], f);
  }
  if (argNum < args.length) {
    out += '%!(EXTRA ' + args.slice(argNum).map((a) => (a === undefined || a === null ? '<nil>' : `${typeName(a)}=${formatValue(a)}`)).join(', ') + ')';
  }
  return out;
}
