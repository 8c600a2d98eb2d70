/**
 * Decoding a module's JSON into its typed config (each module's config.ts),
 * with the JSON path of whatever is wrong: Caddy decodes module JSON strictly
 * into Go structs, and a Caddy user reads "json: unknown field" or "cannot
 * unmarshal string into ... of type int" from it, so these say the same,
 * prefixed with where: `encodings.gzip.level: ...`.
 *
 * All of it runs at load; nothing here is on the request path.
 */
import { durationMs } from '../go/duration.js';
import type { JSONObject } from './registry.js';

/** A config that does not fit the module's type; the message starts with the JSON path. */
export class DecodeError extends Error {
  override name = 'DecodeError';
  constructor(
    readonly path: string,
    detail: string,
  ) {
    super(path === '' ? detail : `${path}: ${detail}`);
  }
}

/** Go's name for a JSON value's kind in unmarshal errors. */
export function jsonKind(v: unknown): string {
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'array';
  if (typeof v === 'object') return 'object';
  return typeof v;
}

export const join = (path: string, key: string | number): string =>
  typeof key === 'number' ? `${path}[${key}]` : path === '' ? key : `${path}.${key}`;

const isObject = (v: unknown): v is JSONObject => v !== null && typeof v === 'object' && !Array.isArray(v);

/**
 * One JSON object read field by field. `done()` refuses any field nobody
 * read, as Caddy's strict decoding does; `@id` (the admin API's) is never
 * a module's field.
 */
export class ObjectReader {
  private readonly seen = new Set<string>(['@id']);

  constructor(
    readonly json: JSONObject,
    readonly path: string = '',
  ) {}

  static of(v: unknown, path = '', goType = 'struct'): ObjectReader {
    if (v === undefined || v === null) return new ObjectReader({}, path);
    if (!isObject(v)) throw new DecodeError(path, `json: cannot unmarshal ${jsonKind(v)} into Go value of type ${goType}`);
    return new ObjectReader(v, path);
  }

  at(key: string): string {
    return join(this.path, key);
  }

  /** The raw value, marked as read. */
  raw(key: string): unknown {
    this.seen.add(key);
    return this.json[key];
  }

  /** Fields a module accepts as Caddy does but does not act on (yet): read and dropped. */
  ignore(...keys: string[]): void {
    for (const k of keys) this.seen.add(k);
  }

  str(key: string): string | undefined;
  str(key: string, fallback: string): string;
  str(key: string, fallback?: string): string | undefined {
    const v = this.raw(key);
    if (v === undefined || v === null) return fallback;
    if (typeof v !== 'string') throw this.typeError(key, v, 'string');
    return v;
  }

  bool(key: string): boolean {
    const v = this.raw(key);
    if (v === undefined || v === null) return false;
    if (typeof v !== 'boolean') throw this.typeError(key, v, 'bool');
    return v;
  }

  int(key: string): number | undefined;
  int(key: string, fallback: number): number;
  int(key: string, fallback?: number): number | undefined {
    const v = this.raw(key);
    if (v === undefined || v === null) return fallback;
    if (typeof v !== 'number' || !Number.isInteger(v)) throw this.typeError(key, v, 'int');
    return v;
  }

  num(key: string): number | undefined {
    const v = this.raw(key);
    if (v === undefined || v === null) return undefined;
    if (typeof v !== 'number') throw this.typeError(key, v, 'float64');
    return v;
  }

  strList(key: string): string[] {
    const v = this.raw(key);
    if (v === undefined || v === null) return [];
    if (!Array.isArray(v)) throw this.typeError(key, v, '[]string');
    v.forEach((x, i) => {
      if (typeof x !== 'string') throw new DecodeError(join(this.at(key), i), `json: cannot unmarshal ${jsonKind(x)} into Go value of type string`);
    });
    return v as string[];
  }

  /** A caddy.Duration (integer nanoseconds or a duration string), in milliseconds; 0 when absent. */
  durationMs(key: string): number {
    const v = this.raw(key);
    try {
      return durationMs(v, key);
    } catch (err) {
      throw new DecodeError(this.path, (err as Error).message);
    }
  }

  /** A nested object; absent or null reads as empty. */
  obj(key: string, goType = 'struct'): ObjectReader {
    return ObjectReader.of(this.raw(key), this.at(key), goType);
  }

  /** A map of string keys to values of one shape. */
  map<T>(key: string, decode: (v: unknown, path: string) => T): Map<string, T> {
    const v = this.raw(key);
    const out = new Map<string, T>();
    if (v === undefined || v === null) return out;
    if (!isObject(v)) throw this.typeError(key, v, 'map');
    for (const [k, x] of Object.entries(v)) out.set(k, decode(x, join(this.at(key), k)));
    return out;
  }

  /** A list of values of one shape. */
  list<T>(key: string, decode: (v: unknown, path: string) => T): T[] {
    const v = this.raw(key);
    if (v === undefined || v === null) return [];
    if (!Array.isArray(v)) throw this.typeError(key, v, 'slice');
    return v.map((x, i) => decode(x, join(this.at(key), i)));
  }

  /** Refuses fields nobody read: Go's `json: unknown field "x"`. */
  done(): void {
    for (const k of Object.keys(this.json)) {
      if (!this.seen.has(k)) throw new DecodeError(this.path, `json: unknown field "${k}"`);
    }
  }

  private typeError(key: string, v: unknown, goType: string): DecodeError {
    return new DecodeError(this.at(key), `json: cannot unmarshal ${jsonKind(v)} into Go value of type ${goType}`);
  }
}
