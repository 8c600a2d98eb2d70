/**
 * How template values behave as Go values. JavaScript values stand in for
 * Go's: undefined and null are nil (a missing map key is undefined: "<no
 * value>"), numbers are ints when integral and float64 otherwise, strings,
 * booleans, arrays are slices, plain objects and Maps are maps (ranged in
 * sorted key order), class instances are structs (fields are own
 * properties, methods are prototype functions), Dates are time.Time.
 * A struct-like object may name its Go type with [GO_TYPE] for messages.
 */
import { goFloat, goTimeString } from '../fmt.js';

export const GO_TYPE = Symbol.for('tsweb.goType');
/** Marks a class instance that is a Go map (http.Header, url.Values): its own keys are the entries. */
export const GO_MAP = Symbol.for('tsweb.goMap');

/** A function the template may call: it gets its evaluated arguments; throwing is Go's error result. */
export interface GoFunc {
  (...args: unknown[]): unknown;
  /** Go's arity check: at least min arguments, at most max (Infinity: variadic). Absent: JavaScript's length exactly. */
  min?: number;
  max?: number;
}

export function isMap(v: unknown): v is Record<string, unknown> | Map<unknown, unknown> {
  if (v === null || typeof v !== 'object') return false;
  if (v instanceof Map) return true;
  if (Array.isArray(v) || v instanceof Date || ArrayBuffer.isView(v)) return false;
  const proto = Object.getPrototypeOf(v) as object | null;
  if (proto === null || proto === Object.prototype) return true;
  return (v as Record<symbol, unknown>)[GO_MAP] === true;
}

export function isStruct(v: unknown): v is object {
  return v !== null && typeof v === 'object' && !Array.isArray(v) && !isMap(v) && !ArrayBuffer.isView(v);
}

/** Sorted keys, as Go's fmt and text/template's range order them (numbers numerically). */
export function mapKeys(m: Record<string, unknown> | Map<unknown, unknown>): unknown[] {
  const keys = m instanceof Map ? [...m.keys()] : Object.keys(m);
  return keys.sort((a, b) => {
    if (typeof a === 'number' && typeof b === 'number') return a - b;
    const x = String(a);
    const y = String(b);
    return x < y ? -1 : x > y ? 1 : 0;
  });
}

export function mapGet(m: Record<string, unknown> | Map<unknown, unknown>, k: unknown): unknown {
  if (m instanceof Map) return m.get(k);
  const key = String(k);
  return Object.prototype.hasOwnProperty.call(m, key) ? m[key] : undefined;
}

export function mapHas(m: Record<string, unknown> | Map<unknown, unknown>, k: unknown): boolean {
  if (m instanceof Map) return m.has(k);
  return Object.prototype.hasOwnProperty.call(m, String(k));
}

export function mapLen(m: Record<string, unknown> | Map<unknown, unknown>): number {
  return m instanceof Map ? m.size : Object.keys(m).length;
}

/** Go's type name of a value, for %T and error messages. */
export function typeName(v: unknown): string {
  if (v === undefined || v === null) return '<nil>';
  switch (typeof v) {
    case 'string':
      return 'string';
    case 'boolean':
      return 'bool';
    case 'number':
      return Number.isInteger(v) ? 'int' : 'float64';
    case 'bigint':
      return 'int64';
    case 'function':
      return 'func';
  }
  if (Array.isArray(v)) return '[]interface {}';
  if (v instanceof Date) return 'time.Time';
  if (v instanceof Uint8Array) return '[]uint8';
  const named = (v as Record<symbol, unknown>)[GO_TYPE];
  if (typeof named === 'string') return named;
  if (isMap(v)) return 'map[string]interface {}';
  return (v as object).constructor?.name ?? 'struct';
}

/** text/template's truth (exec.go isTrue): the zero value of its type is false. */
export function isTrue(v: unknown): boolean {
  if (v === undefined || v === null) return false;
  switch (typeof v) {
    case 'boolean':
      return v;
    case 'number':
      return v !== 0;
    case 'bigint':
      return v !== 0n;
    case 'string':
      return v.length > 0;
    case 'function':
      return true;
  }
  if (Array.isArray(v)) return v.length > 0;
  if (ArrayBuffer.isView(v)) return (v as Uint8Array).length > 0;
  if (isMap(v)) return mapLen(v) > 0;
  return true; // structs
}

function hasStringMethod(v: object): v is { String(): unknown } {
  return typeof (v as { String?: unknown }).String === 'function';
}

function hasErrorMethod(v: object): v is { Error(): unknown } {
  return typeof (v as { Error?: unknown }).Error === 'function';
}

/** fmt's %v of a value (Sprint of one operand). `plus`: %+v, struct field names. */
export function formatValue(v: unknown, plus = false, depth = 0): string {
  if (v === undefined || v === null) return '<nil>';
  switch (typeof v) {
    case 'string':
      return v;
    case 'boolean':
      return v ? 'true' : 'false';
    case 'number':
      return formatNumber(v);
    case 'bigint':
      return v.toString();
    case 'function':
      return '0x' + '1';
    case 'symbol':
      return v.toString();
  }
  if (depth > 0 && depth > 10) return '...';
  if (v instanceof Error) return v.message;
  if (v instanceof Date) return goTimeString(v);
  if (hasErrorMethod(v)) return String(v.Error());
  if (hasStringMethod(v)) return String(v.String());
  if (Array.isArray(v)) return '[' + v.map((x) => formatValue(x, plus, depth + 1)).join(' ') + ']';
  if (v instanceof Uint8Array) return '[' + Array.from(v).join(' ') + ']';
  if (isMap(v)) {
    const parts = mapKeys(v).map((k) => formatValue(k, plus, depth + 1) + ':' + formatValue(mapGet(v, k), plus, depth + 1));
    return 'map[' + parts.join(' ') + ']';
  }
  const fields = Object.keys(v).map((k) => (plus ? k + ':' : '') + formatValue((v as Record<string, unknown>)[k], plus, depth + 1));
  return '{' + fields.join(' ') + '}';
}

/** %v of a number: ints as decimal, floats as strconv's 'g' with the shortest digits (exponent past 21 digits). */
export function formatNumber(v: number): string {
  if (Number.isInteger(v) && Math.abs(v) < 1e21) return String(v);
  if (!Number.isFinite(v)) return goFloat(v);
  // %v of a float64 is %g: exponent form when exp < -4 || exp >= 21 (shortest precision).
  const exp = Math.floor(Math.log10(Math.abs(v)));
  if (exp < -4 || exp >= 21) return formatExp(v, -1, 'e');
  return goFloat(v);
}

/** %e with precision p (-1: shortest), Go's two-digit exponent minimum. */
export function formatExp(v: number, p: number, e: 'e' | 'E'): string {
  const s = p < 0 ? v.toExponential() : v.toExponential(p);
  const [m, x] = s.split('e') as [string, string];
  const sign = x[0] === '-' ? '-' : '+';
  const digits = x.replace(/^[+-]/, '');
  return m + e + sign + (digits.length < 2 ? '0' + digits : digits);
}

/** text/template's printValue: what an action writes. */
export function printValue(v: unknown): string {
  if (v === undefined || v === null) return '<no value>';
  return formatValue(v);
}

/** fmt.Sprint(args...): a space between operands when neither side is a string. */
export function sprint(args: readonly unknown[]): string {
  let out = '';
  for (let i = 0; i < args.length; i++) {
    const a = args[i];
    if (i > 0 && typeof a !== 'string' && typeof args[i - 1] !== 'string') out += ' ';
    out += formatValue(a);
  }
  return out;
}

/** fmt.Sprintln: always spaces, and a newline. */
export function sprintln(args: readonly unknown[]): string {
  return args.map((a) => formatValue(a)).join(' ') + '\n';
}
