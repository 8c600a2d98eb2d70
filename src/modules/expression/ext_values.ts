/**
 * CEL equality and ordering over the library's runtime values, as cel-go's
 * Equal and Compare define them, for the list extension (distinct, sort).
 */
import { isUint, numericKind } from './ext_types.js';

/** The library's google.protobuf.Duration values. */
export interface DurationLike {
  seconds: bigint;
  nanos: number;
}

export function isDuration(v: unknown): v is DurationLike {
  return v !== null && typeof v === 'object' && typeof (v as DurationLike).seconds === 'bigint' && typeof (v as DurationLike).nanos === 'number';
}

/** The comparable kind of a value (cel-go's traits.Comparer types), or null. */
export function comparableKind(v: unknown): string | null {
  const n = numericKind(v);
  if (n !== null) return n;
  if (typeof v === 'string') return 'string';
  if (typeof v === 'boolean') return 'bool';
  if (v instanceof Uint8Array) return 'bytes';
  if (v instanceof Date) return 'timestamp';
  if (isDuration(v)) return 'duration';
  return null;
}

/** Strings ordered by code point (Go compares UTF-8 bytes, which orders the same; UTF-16 units do not). */
function compareStrings(a: string, b: string): number {
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) {
    const x = a.codePointAt(i)!;
    const y = b.codePointAt(i)!;
    if (x !== y) return x < y ? -1 : 1;
    if (x > 0xffff) i++;
  }
  return a.length === b.length ? 0 : a.length < b.length ? -1 : 1;
}

function compareBytes(a: Uint8Array, b: Uint8Array): number {
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) if (a[i] !== b[i]) return a[i]! < b[i]! ? -1 : 1;
  return a.length === b.length ? 0 : a.length < b.length ? -1 : 1;
}

const numValue = (v: unknown): bigint | number => (isUint(v) ? v.valueOf() : (v as bigint | number));

/** -1, 0 or 1 for two values of one comparable kind (numbers of any numeric kind compare by value). */
export function compareValues(a: unknown, b: unknown): number {
  if (numericKind(a) !== null) {
    const x = numValue(a);
    const y = numValue(b);
    return x < y ? -1 : x > y ? 1 : 0;
  }
  if (typeof a === 'string') return compareStrings(a, b as string);
  if (typeof a === 'boolean') return a === b ? 0 : a ? 1 : -1;
  if (a instanceof Uint8Array) return compareBytes(a, b as Uint8Array);
  if (a instanceof Date) return Math.sign(a.getTime() - (b as Date).getTime());
  const d1 = a as DurationLike;
  const d2 = b as DurationLike;
  if (d1.seconds !== d2.seconds) return d1.seconds < d2.seconds ? -1 : 1;
  return Math.sign(d1.nanos - d2.nanos);
}

/** CEL's `==`: numbers across kinds by value, lists and maps deeply. */
export function celEquals(a: unknown, b: unknown): boolean {
  const ka = numericKind(a);
  if (ka !== null) {
    // Loose equality compares a bigint and a number exactly; NaN equals nothing, as in CEL.
    return numericKind(b) !== null && numValue(a) == numValue(b);
  }
  if (a === b) return true;
  if (a === null || b === null || typeof a !== 'object' || typeof b !== 'object') return false;
  if (Array.isArray(a)) return Array.isArray(b) && a.length === b.length && a.every((v, i) => celEquals(v, b[i]));
  if (a instanceof Uint8Array) return b instanceof Uint8Array && compareBytes(a, b) === 0;
  if (a instanceof Date) return b instanceof Date && a.getTime() === b.getTime();
  if (isDuration(a)) return isDuration(b) && compareValues(a, b) === 0;
  const ea = a instanceof Map ? [...a.entries()] : Object.entries(a);
  const mb = b instanceof Map ? b : new Map(Object.entries(b));
  if (ea.length !== mb.size) return false;
  return ea.every(([k, v]) => {
    for (const [k2, v2] of mb) if (celEquals(k, k2)) return celEquals(v, v2);
    return false;
  });
}
