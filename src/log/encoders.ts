/**
 * Log encoders (Caddy's modules/logging/encoders.go over zap): `json`,
 * `console`, and the wrappers `filter` and `append`. An encoder turns one
 * entry into one line; everything configurable is decided here, once.
 */
import { compileTemplate, newReplacer } from '../core/replacer.js';
import { applyAt, compileFilter, type FieldFilter } from './filters.js';
import type { Level } from './levels.js';
import { type DurationFormat, encodeValue, formatNumber } from './value.js';
import { isObject, type JSONObject } from '../go/json.js';
import { compileLayout, layoutNamesZone, localOffsetMinutes, localZoneName } from '../go/time_layout.js';

export interface Entry {
  level: Level;
  /** Milliseconds since the epoch, with sub-millisecond precision. */
  time: number;
  logger: string;
  msg: string;
  fields: Record<string, unknown>;
}

export type Encoder = (e: Entry) => string;

const pad = (n: number, w = 2) => String(n).padStart(w, '0');

type TimeFormat = (ms: number) => string;

function parts(ms: number, local: boolean) {
  const d = new Date(Math.floor(ms));
  const frac = ms - Math.floor(ms / 1000) * 1000; // ms within the second, fractional
  return local
    ? { Y: d.getFullYear(), M: d.getMonth() + 1, D: d.getDate(), h: d.getHours(), m: d.getMinutes(), s: d.getSeconds(), off: -d.getTimezoneOffset(), frac }
    : { Y: d.getUTCFullYear(), M: d.getUTCMonth() + 1, D: d.getUTCDate(), h: d.getUTCHours(), m: d.getUTCMinutes(), s: d.getUTCSeconds(), off: 0, frac };
}

function offset(min: number, colon: boolean, z: boolean): string {
  if (min === 0 && z) return 'Z';
  const sign = min < 0 ? '-' : '+';
  const a = Math.abs(min);
  return `${sign}${pad(Math.floor(a / 60))}${colon ? ':' : ''}${pad(a % 60)}`;
}

const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];

/**
 * Any other time_format is a Go layout, printed in UTC (local time with
 * time_local), as Caddy does; compiled once here.
 */
function layoutFormat(layout: string, local: boolean): TimeFormat {
  const f = compileLayout(layout);
  const ns = (ms: number) => Math.round((ms - Math.floor(ms / 1000) * 1000) * 1e6);
  if (!local) return (ms) => JSON.stringify(f(ms, 0, 'UTC', ns(ms)));
  // The zone's name (MST) costs an Intl lookup: only layouts that print it pay for it.
  const named = layoutNamesZone(layout);
  return (ms) => {
    const off = localOffsetMinutes(ms);
    return JSON.stringify(f(ms, off, named ? localZoneName(ms) : '', ns(ms)));
  };
}

/** Caddy's named time formats, written out for speed; anything else is a Go layout. */
function timeFormat(name: string, local: boolean): TimeFormat {
  const date = (p: ReturnType<typeof parts>, sep: string) => `${p.Y}${sep}${pad(p.M)}${sep}${pad(p.D)}`;
  const clock = (p: ReturnType<typeof parts>) => `${pad(p.h)}:${pad(p.m)}:${pad(p.s)}`;
  const fracDigits = (p: ReturnType<typeof parts>, n: number) => String(Math.floor(p.frac * 10 ** (n - 3))).padStart(n, '0');
  switch (name) {
    case '':
    case 'unix_seconds_float':
      return (ms) => formatNumber(ms / 1000);
    case 'unix_milli_float':
      return (ms) => formatNumber(ms);
    case 'unix_nano':
      return (ms) => BigInt(Math.round(ms * 1e6)).toString();
    case 'iso8601':
      return (ms) => {
        const p = parts(ms, local);
        return JSON.stringify(`${date(p, '-')}T${clock(p)}.${fracDigits(p, 3)}${offset(p.off, false, true)}`);
      };
    case 'rfc3339':
      return (ms) => {
        const p = parts(ms, local);
        return JSON.stringify(`${date(p, '-')}T${clock(p)}${offset(p.off, true, true)}`);
      };
    case 'rfc3339_nano':
      return (ms) => {
        const p = parts(ms, local);
        const f = fracDigits(p, 9).replace(/0+$/, '');
        return JSON.stringify(`${date(p, '-')}T${clock(p)}${f ? `.${f}` : ''}${offset(p.off, true, true)}`);
      };
    case 'wall':
      return (ms) => JSON.stringify(`${date(parts(ms, local), '/')} ${clock(parts(ms, local))}`);
    case 'wall_milli':
      return (ms) => {
        const p = parts(ms, local);
        return JSON.stringify(`${date(p, '/')} ${clock(p)}.${fracDigits(p, 3)}`);
      };
    case 'wall_nano':
      return (ms) => {
        const p = parts(ms, local);
        return JSON.stringify(`${date(p, '/')} ${clock(p)}.${fracDigits(p, 9)}`);
      };
    case 'common_log':
      return (ms) => {
        const p = parts(ms, local);
        return JSON.stringify(`${pad(p.D)}/${MONTHS[p.M - 1]}/${p.Y}:${clock(p)} ${offset(p.off, false, false)}`);
      };
    default:
      return layoutFormat(name, local);
  }
}

interface Common {
  messageKey: string;
  levelKey: string;
  timeKey: string;
  nameKey: string;
  lineEnding: string;
  time: TimeFormat;
  duration: DurationFormat;
  /** null: no level in the line (a level_format zap has no encoder for). */
  level: ((l: Level) => string) | null;
}

/** Caddy's duration_format names; anything else is seconds, as in Caddy. */
const DURATION_FORMATS = new Map<string, DurationFormat>([
  ['s', 'seconds'], ['second', 'seconds'], ['seconds', 'seconds'],
  ['ns', 'nano'], ['nano', 'nano'], ['nanos', 'nano'],
  ['ms', 'ms'], ['milli', 'ms'], ['millis', 'ms'],
  ['string', 'string'],
]);

const COLORS: Partial<Record<Level, string>> = { debug: '35', info: '34', warn: '33', error: '31', dpanic: '31', panic: '31', fatal: '31' };

function str(cfg: JSONObject, key: string, def: string): string {
  const v = cfg[key];
  if (v === undefined || v === null || v === '') return def;
  if (typeof v !== 'string') throw new Error(`${key}: must be a string`);
  return v;
}

function common(cfg: JSONObject, console: boolean, tty: boolean): Common {
  for (const k of ['caller_key', 'stacktrace_key']) void str(cfg, k, ''); // accepted; tsweb records no callers or stacks
  const tf = str(cfg, 'time_format', console ? 'wall_milli' : 'unix_seconds_float');
  const duration = DURATION_FORMATS.get(str(cfg, 'duration_format', 'seconds')) ?? 'seconds';
  // zap prints upper-case (colored on a terminal) in the console, lower-case in JSON.
  const lf = str(cfg, 'level_format', console ? (tty ? 'color' : 'upper') : 'lower');
  // Any other name leaves zap without a level encoder, and the line without its level.
  let level: ((l: Level) => string) | null = null;
  if (lf === 'lower') level = (l) => l;
  else if (lf === 'upper') level = (l) => l.toUpperCase();
  else if (lf === 'color') level = (l) => `\x1b[${COLORS[l]}m${l.toUpperCase()}\x1b[0m`;
  return {
    messageKey: str(cfg, 'message_key', 'msg'),
    levelKey: str(cfg, 'level_key', 'level'),
    timeKey: str(cfg, 'time_key', 'ts'),
    nameKey: str(cfg, 'name_key', 'logger'),
    lineEnding: str(cfg, 'line_ending', '\n'),
    time: timeFormat(tf, cfg.time_local === true),
    duration,
    level,
  };
}

function jsonEncoder(c: Common): Encoder {
  const lk = JSON.stringify(c.levelKey);
  const tk = JSON.stringify(c.timeKey);
  const nk = JSON.stringify(c.nameKey);
  const mk = JSON.stringify(c.messageKey);
  const level = c.level;
  return (e) => {
    let out = level === null ? `{${tk}:${c.time(e.time)}` : `{${lk}:${JSON.stringify(level(e.level))},${tk}:${c.time(e.time)}`;
    if (e.logger !== '') out += `,${nk}:${JSON.stringify(e.logger)}`;
    out += `,${mk}:${JSON.stringify(e.msg)}`;
    for (const k in e.fields) {
      const v = e.fields[k];
      if (v !== undefined) out += `,${JSON.stringify(k)}:${encodeValue(v, c.duration, false)}`;
    }
    return `${out}}${c.lineEnding}`;
  };
}

/** zap's console layout: time, level, logger, message tab-separated, then the fields as JSON. */
function consoleEncoder(c: Common): Encoder {
  const unquote = (s: string) => (s.startsWith('"') ? (JSON.parse(s) as string) : s);
  return (e) => {
    const cols = [unquote(c.time(e.time))];
    if (c.level !== null) cols.push(c.level(e.level));
    if (e.logger !== '') cols.push(e.logger);
    cols.push(e.msg);
    const fields: string[] = [];
    for (const k in e.fields) {
      const v = e.fields[k];
      if (v !== undefined) fields.push(`${JSON.stringify(k)}: ${encodeValue(v, c.duration, true)}`);
    }
    if (fields.length > 0) cols.push(`{${fields.join(', ')}}`);
    return `${cols.join('\t')}${c.lineEnding}`;
  };
}

export interface EncoderContext {
  /** Whether the log's writer is a terminal: picks the default format (console there, JSON elsewhere). */
  tty: boolean;
}

/** Compiles an encoder config; `undefined` → Caddy's default for the writer. */
export function compileEncoder(cfg: unknown, ctx: EncoderContext): Encoder {
  if (cfg === undefined || cfg === null) return ctx.tty ? consoleEncoder(common({}, true, true)) : jsonEncoder(common({}, false, false));
  if (!isObject(cfg)) throw new Error('encoder: must be an object');
  switch (cfg.format) {
    case 'json':
      return jsonEncoder(common(cfg, false, false));
    case 'console':
      return consoleEncoder(common(cfg, true, ctx.tty));
    case 'filter':
      return filterEncoder(cfg, ctx);
    case 'append':
      return appendEncoder(cfg, ctx);
    case undefined:
    case '':
      throw new Error("encoder: module name not specified with key 'format'");
    default:
      throw new Error(`encoder: unknown module: caddy.logging.encoders.${String(cfg.format)}`);
  }
}

function filterEncoder(cfg: JSONObject, ctx: EncoderContext): Encoder {
  const inner = compileEncoder(cfg.wrap, ctx);
  if (cfg.fields !== undefined && !isObject(cfg.fields)) throw new Error('filter encoder: "fields" must be an object');
  const filters: Array<[string[], FieldFilter]> = Object.entries((cfg.fields ?? {}) as JSONObject).map(([path, f]) => [path.split('>'), compileFilter(f, path)]);
  return (e) => {
    let fields = e.fields;
    for (const [path, f] of filters) fields = applyAt(fields, path, f);
    return inner(fields === e.fields ? e : { ...e, fields });
  };
}

/** append: extra fields on every entry; string values may hold global placeholders ({env.*}, {system.*}, {time.*}). */
function appendEncoder(cfg: JSONObject, ctx: EncoderContext): Encoder {
  const inner = compileEncoder(cfg.wrap, ctx);
  if (cfg.fields !== undefined && !isObject(cfg.fields)) throw new Error('append encoder: "fields" must be an object');
  const repl = newReplacer();
  const extra = Object.entries((cfg.fields ?? {}) as JSONObject).map(([k, v]) => {
    if (typeof v !== 'string') return [k, () => v] as const;
    const t = compileTemplate(v, 'keep');
    return [k, () => t(repl)] as const;
  });
  return (e) => {
    const fields = { ...e.fields };
    for (const [k, get] of extra) fields[k] = get();
    return inner({ ...e, fields });
  };
}
