/**
 * text/template's predefined functions (src/text/template/funcs.go), with
 * Go's error texts. and/or are evaluated lazily by the executor.
 */
import { queryEscape } from '../url.js';
import { sprintf } from './printf.js';
import { type GoFunc, formatValue, isMap, mapGet, mapHas, mapLen, sprint, sprintln, typeName, isTrue } from './values.js';

export function goFunc(min: number, max: number, fn: (...args: unknown[]) => unknown): GoFunc {
  const f = fn as GoFunc;
  f.min = min;
  f.max = max;
  return f;
}

type Kind = 'bool' | 'int' | 'float' | 'string' | 'nil' | 'other';

function basicKind(v: unknown): Kind {
  if (v === undefined || v === null) return 'nil';
  switch (typeof v) {
    case 'boolean':
      return 'bool';
    case 'number':
      return Number.isInteger(v) ? 'int' : 'float';
    case 'bigint':
      return 'int';
    case 'string':
      return 'string';
  }
  return 'other';
}

function numericKind(k: Kind): boolean {
  return k === 'int' || k === 'float';
}

function eq(arg1: unknown, ...rest: unknown[]): boolean {
  if (rest.length === 0) throw new Error('missing argument for comparison');
  const k1 = basicKind(arg1);
  for (const arg of rest) {
    const k2 = basicKind(arg);
    let truth = false;
    if (k1 !== k2 && !(numericKind(k1) && numericKind(k2))) {
      if (k1 !== 'nil' && k2 !== 'nil') throw new Error('incompatible types for comparison');
    } else if (k1 === 'other') {
      if (Array.isArray(arg1) || isMap(arg1) || typeof arg1 === 'function') {
        throw new Error(`non-comparable type ${formatValue(arg1)}: ${typeName(arg1)}`);
      }
      truth = arg1 === arg || (arg1 instanceof Date && arg instanceof Date && arg1.getTime() === arg.getTime());
    } else if (k1 === 'nil') {
      truth = k2 === 'nil';
    } else {
      truth = arg1 === arg || (typeof arg1 === 'bigint' || typeof arg === 'bigint' ? Number(arg1) === Number(arg) : false);
    }
    if (truth) return true;
  }
  return false;
}

function lt(a: unknown, b: unknown): boolean {
  const k1 = basicKind(a);
  const k2 = basicKind(b);
  if (k1 === 'nil' || k1 === 'other' || k1 === 'bool' || k2 === 'nil' || k2 === 'other' || k2 === 'bool') {
    throw new Error('invalid type for comparison');
  }
  if (k1 !== k2 && !(numericKind(k1) && numericKind(k2))) throw new Error('incompatible types for comparison');
  if (k1 === 'string') {
    // Go compares strings bytewise: UTF-8 order is code point order.
    return Buffer.compare(Buffer.from(a as string), Buffer.from(b as string)) < 0;
  }
  return (a as number) < (b as number);
}

function length(item: unknown): number {
  if (item === undefined || item === null) throw new Error('len of nil pointer');
  if (typeof item === 'string') return Buffer.byteLength(item, 'utf8');
  if (Array.isArray(item) || item instanceof Uint8Array) return item.length;
  if (isMap(item)) return mapLen(item);
  throw new Error(`len of type ${typeName(item)}`);
}

function indexArg(index: unknown, cap: number): number {
  if (typeof index !== 'number' || !Number.isInteger(index)) {
    if (index === undefined || index === null) throw new Error('cannot index slice/array with nil');
    throw new Error(`cannot index slice/array with type ${typeName(index)}`);
  }
  if (index < 0 || index >= cap) throw new Error(`index out of range: ${index}`);
  return index;
}

function index(item: unknown, ...indexes: unknown[]): unknown {
  if (item === undefined || item === null) throw new Error('index of untyped nil');
  let v: unknown = item;
  for (const ix of indexes) {
    if (v === undefined || v === null) throw new Error('index of nil pointer');
    if (typeof v === 'string') {
      const bytes = Buffer.from(v, 'utf8');
      v = bytes[indexArg(ix, bytes.length)];
    } else if (Array.isArray(v) || v instanceof Uint8Array) {
      v = v[indexArg(ix, v.length)];
    } else if (isMap(v)) {
      if (ix === undefined || ix === null) throw new Error('value is nil; should be of type string');
      v = mapHas(v, ix) ? mapGet(v, ix) : undefined;
    } else {
      throw new Error(`can't index item of type ${typeName(v)}`);
    }
  }
  return v;
}

function slice(item: unknown, ...indexes: unknown[]): unknown {
  if (item === undefined || item === null) throw new Error('slice of untyped nil');
  if (indexes.length > 3) throw new Error(`too many slice indexes: ${indexes.length}`);
  let len: number;
  if (typeof item === 'string') {
    if (indexes.length === 3) throw new Error('cannot 3-index slice a string');
    len = Buffer.byteLength(item);
  } else if (Array.isArray(item)) len = item.length;
  else throw new Error(`can't slice item of type ${typeName(item)}`);
  const idx = [0, len];
  for (let i = 0; i < indexes.length; i++) {
    const x = indexes[i];
    if (typeof x !== 'number' || !Number.isInteger(x)) throw new Error(`cannot index slice/array with type ${typeName(x)}`);
    if (x < 0 || x > len) throw new Error(`index out of range: ${x}`);
    idx[i] = x;
  }
  if (idx[0]! > idx[1]!) throw new Error(`invalid slice index: ${idx[0]} > ${idx[1]}`);
  if (typeof item === 'string') return Buffer.from(item).subarray(idx[0], idx[1]).toString('utf8');
  return (item as unknown[]).slice(idx[0], idx[1]);
}

function evalArgs(args: unknown[]): string {
  if (args.length === 1 && typeof args[0] === 'string') return args[0];
  return sprint(args);
}

/** template.HTMLEscapeString. */
export function htmlEscape(s: string): string {
  return s.replace(/[\0"'&<>]/g, (c) => {
    switch (c) {
      case '\0':
        return '\uFFFD';
      case '"':
        return '&#34;';
      case "'":
        return '&#39;';
      case '&':
        return '&amp;';
      case '<':
        return '&lt;';
      default:
        return '&gt;';
    }
  });
}

/** template.JSEscapeString. */
export function jsEscape(s: string): string {
  let out = '';
  for (const ch of s) {
    const cp = ch.codePointAt(0)!;
    switch (ch) {
      case '\\': out += '\\\\'; continue;
      case "'": out += "\\'"; continue;
      case '"': out += '\\"'; continue;
      case '<': out += '\\u003C'; continue;
      case '>': out += '\\u003E'; continue;
      case '&': out += '\\u0026'; continue;
      case '=': out += '\\u003D'; continue;
    }
    if (cp < 0x20) out += '\\u' + cp.toString(16).toUpperCase().padStart(4, '0');
    else if (cp >= 0x7f && !/^[\p{L}\p{M}\p{N}\p{P}\p{S}\p{Zs}]$/u.test(ch)) out += '\\u' + cp.toString(16).toUpperCase().padStart(4, '0');
    else out += ch;
  }
  return out;
}

function call(fn: unknown, ...args: unknown[]): unknown {
  if (fn === undefined || fn === null) throw new Error('call of nil');
  if (typeof fn !== 'function') throw new Error(`non-function of type ${typeName(fn)}`);
  const f = fn as GoFunc;
  const min = f.min ?? f.length;
  const max = f.max ?? min;
  if (max === Infinity ? args.length < min : args.length < min || args.length > max) {
    throw new Error(`wrong number of args for ${f.name || 'fn'}: got ${args.length} want ${min}`);
  }
  return f(...args);
}

export const BUILTINS: ReadonlyMap<string, GoFunc> = new Map<string, GoFunc>([
  ['and', goFunc(1, Infinity, () => undefined)],
  ['or', goFunc(1, Infinity, () => undefined)],
  ['not', goFunc(1, 1, (a) => !isTrue(a))],
  ['len', goFunc(1, 1, length)],
  ['index', goFunc(1, Infinity, (item, ...ix) => index(item, ...ix))],
  ['slice', goFunc(1, Infinity, (item, ...ix) => slice(item, ...ix))],
  ['print', goFunc(0, Infinity, (...a) => sprint(a))],
  ['printf', goFunc(1, Infinity, (f, ...a) => sprintf(typeof f === 'string' ? f : formatValue(f), a))],
  ['println', goFunc(0, Infinity, (...a) => sprintln(a))],
  ['html', goFunc(0, Infinity, (...a) => htmlEscape(evalArgs(a)))],
  ['js', goFunc(0, Infinity, (...a) => jsEscape(evalArgs(a)))],
  ['urlquery', goFunc(0, Infinity, (...a) => queryEscape(evalArgs(a)))],
  ['eq', goFunc(1, Infinity, (a, ...b) => eq(a, ...b))],
  ['ne', goFunc(2, 2, (a, b) => !eq(a, b))],
  ['lt', goFunc(2, 2, (a, b) => lt(a, b))],
  ['le', goFunc(2, 2, (a, b) => lt(a, b) || eq(a, b))],
  ['gt', goFunc(2, 2, (a, b) => !lt(a, b) && !eq(a, b))],
  ['ge', goFunc(2, 2, (a, b) => !lt(a, b))],
  ['call', goFunc(1, Infinity, (fn, ...a) => call(fn, ...a))],
]);
