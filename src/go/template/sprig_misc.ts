/**
 * Sprig's defaults, numbers, dates, encodings, JSON, reflection, paths,
 * random values and the rest (functions.go, numeric.go, date.go ...).
 */
import { createHash, randomBytes, randomInt, randomUUID } from 'node:crypto';
import { base as pathBase, clean as pathClean, ext as pathExt, split as pathSplit } from '../path.js';
import { goFunc } from './builtins.js';
import { GoDuration, GoTime, parseTime, toGoTime } from './gotime.js';
import { empty, strval, toFloat64, toInt64, toStr } from './sprig_cast.js';
import { deepEqual } from './sprig_lists.js';
import { parseGoDuration } from '../units.js';
import { type GoFunc, isMap, typeName } from './values.js';

const s = toStr;

/** Go's encoding/json Marshal of template values: map keys sorted, HTML characters escaped. */
export function toJSON(v: unknown, indent = '', escapeHTML = true): string {
  const norm = (x: unknown): unknown => {
    if (x === undefined) return null;
    if (x instanceof GoTime) return x.Format('2006-01-02T15:04:05.999999999Z07:00');
    if (x instanceof GoDuration) return x.ns;
    if (Array.isArray(x)) return x.map(norm);
    if (isMap(x)) {
      const out: Record<string, unknown> = {};
      const entries = x instanceof Map ? [...x.entries()].map(([k, y]) => [String(k), y] as const) : Object.entries(x);
      for (const [k, y] of entries.sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))) out[k] = norm(y);
      return out;
    }
    if (x !== null && typeof x === 'object') {
      const out: Record<string, unknown> = {};
      for (const [k, y] of Object.entries(x)) if (/^[A-Z]/.test(k)) out[k] = norm(y);
      return out;
    }
    return x;
  };
  let out = JSON.stringify(norm(v), null, indent === '' ? undefined : indent) ?? 'null';
  if (escapeHTML) out = out.replace(/[<>&\u2028\u2029]/g, (c) => '\\u' + c.charCodeAt(0).toString(16).padStart(4, '0'));
  return out;
}

function fromJSON(v: unknown): unknown {
  try {
    return JSON.parse(s(v));
  } catch {
    return {};
  }
}

function mustFromJSON(v: unknown): unknown {
  try {
    return JSON.parse(s(v));
  } catch (e) {
    throw new Error((e as Error).message);
  }
}

function coalesce(args: unknown[]): unknown {
  for (const a of args) if (!empty(a)) return a;
  return null;
}

/** Go's int division truncates; sprig's div/mod take int64s. */
function intDiv(a: unknown, b: unknown): number {
  const d = toInt64(b);
  if (d === 0) throw new Error('runtime error: integer divide by zero');
  return Math.trunc(toInt64(a) / d);
}

function intMod(a: unknown, b: unknown): number {
  const d = toInt64(b);
  if (d === 0) throw new Error('runtime error: integer divide by zero');
  return toInt64(a) % d;
}

function round(a: unknown, p: unknown, rOpt: unknown[]): number {
  const roundOn = rOpt.length > 0 ? toFloat64(rOpt[0]) : 0.5;
  const val = toFloat64(a);
  const places = toFloat64(p);
  const pow = 10 ** places;
  const digit = pow * val;
  const div = digit - Math.trunc(digit);
  const r = div >= roundOn ? Math.ceil(digit) : Math.floor(digit);
  return r / pow;
}

/** sprig's dateModify: a Go duration added to the date. */
function dateModify(fmt: unknown, date: unknown): GoTime {
  const t = toGoTime(date);
  let ns: number;
  try {
    ns = parseGoDuration(s(fmt));
  } catch {
    return t;
  }
  return t.Add(ns);
}

function dateInZone(fmt: unknown, date: unknown, zone: unknown): string {
  let t = toGoTime(date);
  const z = s(zone);
  if (z === 'UTC' || z === '') t = t.UTC();
  else if (z === 'Local') t = t.Local();
  else {
    // IANA zones: the offset at that instant, from Intl.
    try {
      const parts = new Intl.DateTimeFormat('en-US', { timeZone: z, timeZoneName: 'longOffset' }).formatToParts(new Date(t.ms));
      const name = parts.find((p) => p.type === 'timeZoneName')?.value ?? 'GMT';
      const m = /GMT([+-])(\d{2}):(\d{2})/.exec(name);
      const off = m === null ? 0 : (m[1] === '-' ? -1 : 1) * (Number(m[2]) * 60 + Number(m[3]));
      const abbr = new Intl.DateTimeFormat('en-US', { timeZone: z, timeZoneName: 'short' }).formatToParts(new Date(t.ms)).find((p) => p.type === 'timeZoneName')?.value ?? '';
      t = new GoTime(t.ms, off, /^[A-Z]{2,5}$/.test(abbr) ? abbr : numericZoneName(off), t.extraNs);
    } catch {
      t = t.UTC();
    }
  }
  return t.Format(s(fmt));
}

function numericZoneName(off: number): string {
  const a = Math.abs(off);
  return (off < 0 ? '-' : '+') + String(Math.floor(a / 60)).padStart(2, '0') + String(a % 60).padStart(2, '0');
}

function randString(n: number, alphabet: string): string {
  let out = '';
  for (let i = 0; i < n; i++) out += alphabet[randomInt(alphabet.length)];
  return out;
}

const ALPHA = 'abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ';
const NUM = '0123456789';

function kindOf(v: unknown): string {
  if (v === undefined || v === null) return 'invalid';
  switch (typeof v) {
    case 'string':
      return 'string';
    case 'boolean':
      return 'bool';
    case 'number':
      return Number.isInteger(v) ? 'int' : 'float64';
    case 'function':
      return 'func';
  }
  if (Array.isArray(v)) return 'slice';
  if (isMap(v)) return 'map';
  return 'struct';
}

function ago(v: unknown): string {
  const t = toGoTime(v);
  const d = Math.round((Date.now() - t.ms) / 1000) * 1e9;
  return new GoDuration(d).String();
}

function durationRound(v: unknown): string {
  let ns: number;
  if (typeof v === 'string') {
    try {
      ns = parseGoDuration(v);
    } catch {
      ns = 0;
    }
  } else if (v instanceof GoTime) ns = (Date.now() - v.ms) * 1e6;
  else ns = toInt64(v);
  const u = Math.abs(ns);
  const units: Array<[number, string]> = [
    [365 * 24 * 3600e9, 'y'],
    [30 * 24 * 3600e9, 'mo'],
    [24 * 3600e9, 'd'],
    [3600e9, 'h'],
    [60e9, 'm'],
    [1e9, 's'],
  ];
  for (const [n, unit] of units) if (u >= n) return `${Math.floor(u / n)}${unit}`;
  return '0s';
}

function urlParse(v: unknown): Record<string, unknown> {
  let u: URL;
  try {
    u = new URL(s(v));
  } catch {
    throw new Error(`unable to parse url: parse ${JSON.stringify(s(v))}: invalid URL`);
  }
  return {
    scheme: u.protocol.replace(/:$/, ''),
    host: u.host,
    hostname: u.hostname,
    path: decodeURIComponent(u.pathname),
    query: u.search.replace(/^\?/, ''),
    opaque: '',
    fragment: u.hash.replace(/^#/, ''),
    userinfo: u.username === '' ? '' : u.password === '' ? u.username : `${u.username}:${u.password}`,
  };
}

function urlJoin(d: unknown): string {
  if (!isMap(d) || d instanceof Map) throw new Error('urlJoin needs a dict');
  const m = d as Record<string, unknown>;
  const g = (k: string): string => (m[k] === undefined ? '' : strval(m[k]));
  let out = '';
  if (g('scheme') !== '') out += g('scheme') + ':';
  if (g('host') !== '' || g('userinfo') !== '') out += '//' + (g('userinfo') !== '' ? g('userinfo') + '@' : '') + g('host');
  out += g('path');
  if (g('query') !== '') out += '?' + g('query');
  if (g('fragment') !== '') out += '#' + g('fragment');
  return out;
}

export const MISC_FUNCS: ReadonlyArray<[string, GoFunc]> = [
  // Defaults and flow.
  ['default', goFunc(1, Infinity, (d, ...given) => (given.length === 0 || empty(given[0]) ? d : given[0]))],
  ['empty', goFunc(1, 1, (v) => empty(v))],
  ['coalesce', goFunc(0, Infinity, (...a) => coalesce(a))],
  ['all', goFunc(0, Infinity, (...a) => a.every((x) => !empty(x)))],
  ['any', goFunc(0, Infinity, (...a) => a.some((x) => !empty(x)))],
  ['ternary', goFunc(3, 3, (vt, vf, c) => (c === true ? vt : vf))],
  ['fail', goFunc(1, 1, (msg) => {
    throw new Error(s(msg));
  })],
  ['toJson', goFunc(1, 1, (v) => toJSON(v))],
  ['mustToJson', goFunc(1, 1, (v) => toJSON(v))],
  ['toPrettyJson', goFunc(1, 1, (v) => toJSON(v, '  '))],
  ['mustToPrettyJson', goFunc(1, 1, (v) => toJSON(v, '  '))],
  ['toRawJson', goFunc(1, 1, (v) => toJSON(v, '', false))],
  ['mustToRawJson', goFunc(1, 1, (v) => toJSON(v, '', false))],
  ['fromJson', goFunc(1, 1, (v) => fromJSON(v))],
  ['mustFromJson', goFunc(1, 1, (v) => mustFromJSON(v))],
  // Numbers.
  ['add1', goFunc(1, 1, (a) => toInt64(a) + 1)],
  ['add', goFunc(0, Infinity, (...a) => a.reduce<number>((x, y) => x + toInt64(y), 0))],
  ['sub', goFunc(2, 2, (a, b) => toInt64(a) - toInt64(b))],
  ['mul', goFunc(1, Infinity, (a, ...r) => r.reduce<number>((x, y) => x * toInt64(y), toInt64(a)))],
  ['div', goFunc(2, 2, intDiv)],
  ['mod', goFunc(2, 2, intMod)],
  ['max', goFunc(1, Infinity, (a, ...r) => r.reduce<number>((x, y) => Math.max(x, toInt64(y)), toInt64(a)))],
  ['min', goFunc(1, Infinity, (a, ...r) => r.reduce<number>((x, y) => Math.min(x, toInt64(y)), toInt64(a)))],
  ['add1f', goFunc(1, 1, (a) => toFloat64(a) + 1)],
  ['addf', goFunc(0, Infinity, (...a) => a.reduce<number>((x, y) => x + toFloat64(y), 0))],
  ['subf', goFunc(1, Infinity, (a, ...r) => r.reduce<number>((x, y) => x - toFloat64(y), toFloat64(a)))],
  ['mulf', goFunc(1, Infinity, (a, ...r) => r.reduce<number>((x, y) => x * toFloat64(y), toFloat64(a)))],
  ['divf', goFunc(1, Infinity, (a, ...r) => r.reduce<number>((x, y) => x / toFloat64(y), toFloat64(a)))],
  ['maxf', goFunc(1, Infinity, (a, ...r) => r.reduce<number>((x, y) => Math.max(x, toFloat64(y)), toFloat64(a)))],
  ['minf', goFunc(1, Infinity, (a, ...r) => r.reduce<number>((x, y) => Math.min(x, toFloat64(y)), toFloat64(a)))],
  ['floor', goFunc(1, 1, (a) => Math.floor(toFloat64(a)))],
  ['ceil', goFunc(1, 1, (a) => Math.ceil(toFloat64(a)))],
  ['round', goFunc(2, 3, (a, p, ...r) => round(a, p, r))],
  ['int', goFunc(1, 1, (a) => toInt64(a))],
  ['int64', goFunc(1, 1, (a) => toInt64(a))],
  ['float64', goFunc(1, 1, (a) => toFloat64(a))],
  ['atoi', goFunc(1, 1, (a) => (/^[+-]?\d+$/.test(s(a)) ? Number(s(a)) : 0))],
  ['biggest', goFunc(1, Infinity, (a, ...r) => r.reduce<number>((x, y) => Math.max(x, toInt64(y)), toInt64(a)))],
  // Dates.
  ['now', goFunc(0, 0, () => GoTime.now())],
  ['date', goFunc(2, 2, (fmt, d) => toGoTime(d).Local().Format(s(fmt)))],
  ['dateInZone', goFunc(3, 3, dateInZone)],
  ['date_in_zone', goFunc(3, 3, dateInZone)],
  ['dateModify', goFunc(2, 2, dateModify)],
  ['date_modify', goFunc(2, 2, dateModify)],
  ['mustDateModify', goFunc(2, 2, (fmt, d) => {
    parseGoDuration(s(fmt));
    return dateModify(fmt, d);
  })],
  ['htmlDate', goFunc(1, 1, (d) => toGoTime(d).Local().Format('2006-01-02'))],
  ['htmlDateInZone', goFunc(2, 2, (d, z) => dateInZone('2006-01-02', d, z))],
  ['toDate', goFunc(2, 2, (fmt, str) => {
    try {
      return parseTime(s(fmt), s(str), GoTime.now().offsetMin);
    } catch {
      return new GoTime(Date.UTC(1, 0, 1) - 0, 0, 'UTC');
    }
  })],
  ['mustToDate', goFunc(2, 2, (fmt, str) => parseTime(s(fmt), s(str), GoTime.now().offsetMin))],
  ['unixEpoch', goFunc(1, 1, (d) => String(toGoTime(d).Unix()))],
  ['ago', goFunc(1, 1, ago)],
  ['duration', goFunc(1, 1, (sec) => new GoDuration(toInt64(sec) * 1e9).String())],
  ['durationRound', goFunc(1, 1, durationRound)],
  // Encodings and hashes.
  ['b64enc', goFunc(1, 1, (v) => Buffer.from(s(v), 'utf8').toString('base64'))],
  ['b64dec', goFunc(1, 1, (v) => {
    const t = s(v);
    if (!/^[A-Za-z0-9+/]*={0,2}$/.test(t) || t.length % 4 !== 0) return 'illegal base64 data at input byte 0';
    return Buffer.from(t, 'base64').toString('utf8');
  })],
  ['b32enc', goFunc(1, 1, (v) => base32(Buffer.from(s(v), 'utf8')))],
  ['adler32sum', goFunc(1, 1, (v) => String(adler32(Buffer.from(s(v), 'utf8'))))],
  ['uuidv4', goFunc(0, 0, () => randomUUID())],
  ['randAlphaNum', goFunc(1, 1, (n) => randString(toInt64(n), ALPHA + NUM))],
  ['randAlpha', goFunc(1, 1, (n) => randString(toInt64(n), ALPHA))],
  ['randNumeric', goFunc(1, 1, (n) => randString(toInt64(n), NUM))],
  ['randAscii', goFunc(1, 1, (n) => randString(toInt64(n), Array.from({ length: 95 }, (_, i) => String.fromCharCode(32 + i)).join('')))],
  ['randInt', goFunc(2, 2, (a, b) => randomInt(toInt64(a), toInt64(b)))],
  // Reflection.
  ['typeOf', goFunc(1, 1, (v) => typeName(v))],
  ['typeIs', goFunc(2, 2, (t, v) => s(t) === typeName(v))],
  ['typeIsLike', goFunc(2, 2, (t, v) => s(t) === typeName(v) || s(t) === '*' + typeName(v))],
  ['kindOf', goFunc(1, 1, (v) => kindOf(v))],
  ['kindIs', goFunc(2, 2, (k, v) => s(k) === kindOf(v))],
  ['deepEqual', goFunc(2, 2, (a, b) => deepEqual(a, b))],
  // Paths.
  ['base', goFunc(1, 1, (p) => pathBase(s(p)))],
  ['dir', goFunc(1, 1, (p) => pathClean(pathSplit(s(p))[0]))],
  ['clean', goFunc(1, 1, (p) => pathClean(s(p)))],
  ['ext', goFunc(1, 1, (p) => pathExt(s(p)))],
  ['isAbs', goFunc(1, 1, (p) => s(p).startsWith('/'))],
  // The os* forms use the OS's separator, which is '/' on the systems tsweb serves from.
  ['osBase', goFunc(1, 1, (p) => pathBase(s(p)))],
  ['osDir', goFunc(1, 1, (p) => pathClean(pathSplit(s(p))[0]))],
  ['osClean', goFunc(1, 1, (p) => pathClean(s(p)))],
  ['osExt', goFunc(1, 1, (p) => pathExt(s(p)))],
  ['osIsAbs', goFunc(1, 1, (p) => s(p).startsWith('/'))],
  ['hello', goFunc(0, 0, () => 'Hello!')],
  ['toDecimal', goFunc(1, 1, (v) => (/^[0-7]+$/.test(strval(v)) ? parseInt(strval(v), 8) : 0))],
  ['randBytes', goFunc(1, 1, (n) => randomBytes(Math.max(0, toInt64(n))).toString('base64'))],
  ['shuffle', goFunc(1, 1, (v) => {
    const chars = [...s(v)];
    for (let i = chars.length - 1; i > 0; i--) {
      const j = randomInt(i + 1);
      [chars[i], chars[j]] = [chars[j]!, chars[i]!];
    }
    return chars.join('');
  })],
  ['b32dec', goFunc(1, 1, (v) => base32Decode(s(v)))],
  // OS and URLs.
  ['env', goFunc(1, 1, (k) => process.env[s(k)] ?? '')],
  ['expandenv', goFunc(1, 1, (v) => s(v).replace(/\$\{([^}]*)\}|\$([A-Za-z0-9_]+)/g, (_m, a?: string, b?: string) => process.env[a ?? b ?? ''] ?? ''))],
  ['urlParse', goFunc(1, 1, urlParse)],
  ['urlJoin', goFunc(1, 1, urlJoin)],
  ['sha1sum', goFunc(1, 1, (a) => createHash('sha1').update(s(a)).digest('hex'))],
];

function base32(buf: Buffer): string {
  const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567';
  let bits = 0;
  let value = 0;
  let out = '';
  for (const b of buf) {
    value = (value << 8) | b;
    bits += 8;
    while (bits >= 5) {
      out += alphabet[(value >>> (bits - 5)) & 31];
      bits -= 5;
    }
  }
  if (bits > 0) out += alphabet[(value << (5 - bits)) & 31];
  while (out.length % 8 !== 0) out += '=';
  return out;
}

function base32Decode(text: string): string {
  const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567';
  const clean = text.replace(/=+$/, '');
  let bits = 0;
  let value = 0;
  const out: number[] = [];
  for (const c of clean) {
    const i = alphabet.indexOf(c);
    if (i < 0) return `illegal base32 data at input byte ${text.indexOf(c)}`;
    value = (value << 5) | i;
    bits += 5;
    if (bits >= 8) {
      out.push((value >>> (bits - 8)) & 0xff);
      bits -= 8;
    }
  }
  return Buffer.from(out).toString('utf8');
}

function adler32(buf: Buffer): number {
  let a = 1;
  let b = 0;
  for (const c of buf) {
    a = (a + c) % 65521;
    b = (b + a) % 65521;
  }
  return ((b << 16) | a) >>> 0;
}
