/** Sprig's list and dict functions (list.go, dict.go). Dicts are plain objects: maps to the executor. */
import { goFunc } from './builtins.js';
import { strval, toInt64, toList, empty } from './sprig_cast.js';
import { isMap, type GoFunc } from './values.js';

type Dict = Record<string, unknown>;

function dict(args: unknown[]): Dict {
  const d: Dict = {};
  for (let i = 0; i < args.length; i += 2) d[strval(args[i])] = i + 1 < args.length ? args[i + 1] : '';
  return d;
}

function asDict(v: unknown, fn: string): Dict {
  if (isMap(v) && !(v instanceof Map)) return v as Dict;
  throw new Error(`wrong type for value; expected map[string]interface {}; got ${fn}`);
}

/** Go's reflect.DeepEqual for template values. */
export function deepEqual(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (Array.isArray(a) && Array.isArray(b)) return a.length === b.length && a.every((x, i) => deepEqual(x, b[i]));
  if (isMap(a) && isMap(b) && !(a instanceof Map) && !(b instanceof Map)) {
    const ka = Object.keys(a);
    return ka.length === Object.keys(b).length && ka.every((k) => Object.prototype.hasOwnProperty.call(b, k) && deepEqual(a[k], b[k]));
  }
  return false;
}

function uniq(list: unknown[]): unknown[] {
  const out: unknown[] = [];
  for (const x of list) if (!out.some((y) => deepEqual(x, y))) out.push(x);
  return out;
}

function deepCopy(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(deepCopy);
  if (isMap(v) && !(v instanceof Map)) {
    const out: Dict = {};
    for (const k of Object.keys(v)) out[k] = deepCopy((v as Dict)[k]);
    return out;
  }
  return v;
}

function merge(dst: Dict, srcs: unknown[], overwrite: boolean): Dict {
  for (const src of srcs) {
    if (!isMap(src) || src instanceof Map) continue;
    for (const [k, v] of Object.entries(src)) {
      const cur = dst[k];
      if (isMap(cur) && isMap(v) && !(cur instanceof Map) && !(v instanceof Map)) merge(cur as Dict, [v], overwrite);
      // mergo: Merge fills only empty destination values; MergeOverwrite lets non-empty sources win.
      else if (overwrite ? !empty(v) || cur === undefined : cur === undefined || empty(cur)) dst[k] = v;
    }
  }
  return dst;
}

function dig(args: unknown[]): unknown {
  if (args.length < 3) throw new Error('dig needs at least three arguments');
  const d = asDict(args[args.length - 1], 'dig');
  const def = args[args.length - 2];
  const keys = args.slice(0, -2).map(strval);
  let cur: unknown = d;
  for (const k of keys) {
    if (!isMap(cur) || cur instanceof Map || !Object.prototype.hasOwnProperty.call(cur, k)) return def;
    cur = (cur as Dict)[k];
  }
  return cur;
}

function chunk(size: number, list: unknown[]): unknown[][] {
  const out: unknown[][] = [];
  if (size <= 0) return out;
  for (let i = 0; i < list.length; i += size) out.push(list.slice(i, i + size));
  return out;
}

function seq(args: unknown[]): string {
  const n = args.map(toInt64);
  let start = 1;
  let step = 1;
  let end: number;
  if (n.length === 0) return '';
  if (n.length === 1) end = n[0]!;
  else if (n.length === 2) {
    start = n[0]!;
    end = n[1]!;
    step = end < start ? -1 : 1;
  } else {
    start = n[0]!;
    step = n[1]!;
    end = n[2]!;
  }
  const out: number[] = [];
  if (step === 0) return '';
  if (step > 0) for (let i = start; i <= end; i += step) out.push(i);
  else for (let i = start; i >= end; i += step) out.push(i);
  return out.join(' ');
}

function untilStep(start: number, stop: number, step: number): number[] {
  const out: number[] = [];
  if (step === 0) return out;
  if (step > 0) for (let i = start; i < stop; i += step) out.push(i);
  else for (let i = start; i > stop; i += step) out.push(i);
  return out;
}

/** sprig's slice (it replaces the builtin): lists only, `slice l start [end]`. */
function sprigSlice(list: unknown, indices: unknown[]): unknown {
  if (!Array.isArray(list)) {
    throw new Error(`list should be type of slice or array but ${list === null || list === undefined ? 'invalid' : typeof list === 'string' ? 'string' : typeof list === 'number' ? (Number.isInteger(list) ? 'int' : 'float64') : isMap(list) ? 'map' : 'struct'}`);
  }
  if (list.length === 0) return null;
  const start = indices.length > 0 ? toInt64(indices[0]) : 0;
  const end = indices.length < 2 ? list.length : toInt64(indices[1]);
  if (start < 0 || end > list.length || start > end) throw new Error(`runtime error: slice bounds out of range [${start}:${end}]`);
  return list.slice(start, end);
}

export const LIST_FUNCS: ReadonlyArray<[string, GoFunc]> = [
  ['list', goFunc(0, Infinity, (...a) => a)],
  ['slice', goFunc(1, Infinity, (l, ...ix) => sprigSlice(l, ix))],
  ['mustSlice', goFunc(1, Infinity, (l, ...ix) => sprigSlice(l, ix))],
  ['tuple', goFunc(0, Infinity, (...a) => a)],
  ['first', goFunc(1, 1, (l) => (l === undefined || l === null ? null : toList(l, 'first')[0] ?? null))],
  ['mustFirst', goFunc(1, 1, (l) => toList(l, 'first')[0] ?? null)],
  ['last', goFunc(1, 1, (l) => (l === undefined || l === null ? null : toList(l, 'last').at(-1) ?? null))],
  ['mustLast', goFunc(1, 1, (l) => toList(l, 'last').at(-1) ?? null)],
  ['rest', goFunc(1, 1, (l) => (l === undefined || l === null ? [] : toList(l, 'rest').slice(1)))],
  ['mustRest', goFunc(1, 1, (l) => toList(l, 'rest').slice(1))],
  ['initial', goFunc(1, 1, (l) => (l === undefined || l === null ? [] : toList(l, 'initial').slice(0, -1)))],
  ['mustInitial', goFunc(1, 1, (l) => toList(l, 'initial').slice(0, -1))],
  ['append', goFunc(2, 2, (l, v) => [...toList(l, 'append'), v])],
  ['push', goFunc(2, 2, (l, v) => [...toList(l, 'push'), v])],
  ['mustAppend', goFunc(2, 2, (l, v) => [...toList(l, 'append'), v])],
  ['mustPush', goFunc(2, 2, (l, v) => [...toList(l, 'push'), v])],
  ['prepend', goFunc(2, 2, (l, v) => [v, ...toList(l, 'prepend')])],
  ['mustPrepend', goFunc(2, 2, (l, v) => [v, ...toList(l, 'prepend')])],
  ['concat', goFunc(0, Infinity, (...ls) => ls.flatMap((l) => toList(l, 'concat')))],
  ['reverse', goFunc(1, 1, (l) => [...toList(l, 'reverse')].reverse())],
  ['mustReverse', goFunc(1, 1, (l) => [...toList(l, 'reverse')].reverse())],
  ['uniq', goFunc(1, 1, (l) => uniq(toList(l, 'uniq')))],
  ['mustUniq', goFunc(1, 1, (l) => uniq(toList(l, 'uniq')))],
  ['without', goFunc(1, Infinity, (l, ...omit) => toList(l, 'without').filter((x) => !omit.some((o) => deepEqual(o, x))))],
  ['mustWithout', goFunc(1, Infinity, (l, ...omit) => toList(l, 'without').filter((x) => !omit.some((o) => deepEqual(o, x))))],
  ['has', goFunc(2, 2, (needle, l) => (l === undefined || l === null ? false : toList(l, 'has').some((x) => deepEqual(x, needle))))],
  ['mustHas', goFunc(2, 2, (needle, l) => toList(l, 'has').some((x) => deepEqual(x, needle)))],
  ['compact', goFunc(1, 1, (l) => toList(l, 'compact').filter((x) => !empty(x)))],
  ['mustCompact', goFunc(1, 1, (l) => toList(l, 'compact').filter((x) => !empty(x)))],
  ['chunk', goFunc(2, 2, (n, l) => chunk(toInt64(n), toList(l, 'chunk')))],
  ['mustChunk', goFunc(2, 2, (n, l) => chunk(toInt64(n), toList(l, 'chunk')))],
  ['until', goFunc(1, 1, (n) => untilStep(0, toInt64(n), toInt64(n) < 0 ? -1 : 1))],
  ['untilStep', goFunc(3, 3, (a, b, c) => untilStep(toInt64(a), toInt64(b), toInt64(c)))],
  ['seq', goFunc(0, Infinity, (...a) => seq(a))],
  ['dict', goFunc(0, Infinity, (...a) => dict(a))],
  ['get', goFunc(2, 2, (d, k) => {
    const m = asDict(d, 'get');
    return Object.prototype.hasOwnProperty.call(m, strval(k)) ? m[strval(k)] : '';
  })],
  ['set', goFunc(3, 3, (d, k, v) => {
    const m = asDict(d, 'set');
    m[strval(k)] = v;
    return m;
  })],
  ['unset', goFunc(2, 2, (d, k) => {
    const m = asDict(d, 'unset');
    delete m[strval(k)];
    return m;
  })],
  ['hasKey', goFunc(2, 2, (d, k) => Object.prototype.hasOwnProperty.call(asDict(d, 'hasKey'), strval(k)))],
  ['pluck', goFunc(1, Infinity, (k, ...ds) => ds.map((d) => asDict(d, 'pluck')).filter((d) => Object.prototype.hasOwnProperty.call(d, strval(k))).map((d) => d[strval(k)]))],
  ['keys', goFunc(0, Infinity, (...ds) => ds.flatMap((d) => Object.keys(asDict(d, 'keys'))))],
  ['values', goFunc(1, 1, (d) => Object.values(asDict(d, 'values')))],
  ['pick', goFunc(1, Infinity, (d, ...ks) => {
    const m = asDict(d, 'pick');
    const out: Dict = {};
    for (const k of ks.map(strval)) if (Object.prototype.hasOwnProperty.call(m, k)) out[k] = m[k];
    return out;
  })],
  ['omit', goFunc(1, Infinity, (d, ...ks) => {
    const m = asDict(d, 'omit');
    const drop = new Set(ks.map(strval));
    const out: Dict = {};
    for (const k of Object.keys(m)) if (!drop.has(k)) out[k] = m[k];
    return out;
  })],
  ['merge', goFunc(1, Infinity, (d, ...src) => merge(asDict(d, 'merge'), src, false))],
  ['mustMerge', goFunc(1, Infinity, (d, ...src) => merge(asDict(d, 'merge'), src, false))],
  ['mergeOverwrite', goFunc(1, Infinity, (d, ...src) => merge(asDict(d, 'mergeOverwrite'), src, true))],
  ['mustMergeOverwrite', goFunc(1, Infinity, (d, ...src) => merge(asDict(d, 'mergeOverwrite'), src, true))],
  ['deepCopy', goFunc(1, 1, (v) => deepCopy(v))],
  ['mustDeepCopy', goFunc(1, 1, (v) => deepCopy(v))],
  ['dig', goFunc(3, Infinity, (...a) => dig(a))],
];
