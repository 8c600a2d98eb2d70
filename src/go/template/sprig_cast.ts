/**
 * The conversions Sprig takes from spf13/cast and its own strval/empty:
 * lenient, as in Go (a string that is not a number is 0).
 */
import { GoDuration, GoTime } from './gotime.js';
import { formatValue, isMap, mapLen } from './values.js';

/** sprig's strval: strings as they are, Stringers and errors by their text, the rest as %v. */
export function strval(v: unknown): string {
  if (typeof v === 'string') return v;
  if (v instanceof Uint8Array) return Buffer.from(v).toString('utf8');
  if (v === undefined || v === null) return '<nil>';
  return formatValue(v);
}

/** cast.ToInt64 (what sprig's toInt64 uses). */
export function toInt64(v: unknown): number {
  if (v === undefined || v === null) return 0;
  switch (typeof v) {
    case 'number':
      return Math.trunc(v);
    case 'bigint':
      return Number(v);
    case 'boolean':
      return v ? 1 : 0;
    case 'string': {
      const s = v.trim();
      if (/^[+-]?\d+$/.test(s)) return Number(s);
      if (/^[+-]?0[xX][0-9a-fA-F]+$/.test(s)) return Number.parseInt(s, 16);
      if (/^[+-]?0[0-7]+$/.test(s)) return Number.parseInt(s, 8);
      return 0;
    }
  }
  if (v instanceof GoDuration) return v.ns;
  if (v instanceof GoTime) return v.Unix();
  return 0;
}

/** cast.ToFloat64. */
export function toFloat64(v: unknown): number {
  if (v === undefined || v === null) return 0;
  switch (typeof v) {
    case 'number':
      return v;
    case 'bigint':
      return Number(v);
    case 'boolean':
      return v ? 1 : 0;
    case 'string': {
      const n = Number(v.trim());
      return v.trim() !== '' && Number.isFinite(n) ? n : 0;
    }
  }
  return 0;
}

/** sprig's empty: the zero value of its type (a struct is never empty). */
export function empty(v: unknown): boolean {
  if (v === undefined || v === null) return true;
  switch (typeof v) {
    case 'string':
      return v.length === 0;
    case 'number':
      return v === 0;
    case 'bigint':
      return v === 0n;
    case 'boolean':
      return !v;
  }
  if (Array.isArray(v)) return v.length === 0;
  if (v instanceof Uint8Array) return v.length === 0;
  if (isMap(v)) return mapLen(v) === 0;
  return false;
}

/** A list argument: Go slices and arrays (sprig errors on anything else). */
export function toList(v: unknown, fn: string): unknown[] {
  if (Array.isArray(v)) return v;
  if (v instanceof Uint8Array) return Array.from(v);
  throw new Error(`Cannot ${fn} on type ${v === null || v === undefined ? '<nil>' : typeof v === 'string' ? 'string' : typeof v}`);
}

export function toStr(v: unknown): string {
  return typeof v === 'string' ? v : strval(v);
}
