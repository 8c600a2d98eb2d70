/**
 * The key order and omissions of Go's encoding/json, so the adapter's output
 * reads like Caddy's: maps marshal with sorted keys, `omitempty` struct fields
 * drop out.
 */

/** A JSON object as configs and the adapter's output hold them; values are checked where they are read. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type JSONObject = Record<string, any>;

/** A JSON object: not null, not an array. */
export const isObject = (v: unknown): v is JSONObject => v !== null && typeof v === 'object' && !Array.isArray(v);

/** Sorts object keys recursively, as Go does when it marshals a map. */
export function sortKeysDeep<T>(v: T): T {
  if (Array.isArray(v)) return v.map((x) => sortKeysDeep(x)) as T;
  if (v && typeof v === 'object') {
    const out: Record<string, unknown> = {};
    for (const k of Object.keys(v as object).sort()) {
      const val = (v as Record<string, unknown>)[k];
      if (val !== undefined) out[k] = sortKeysDeep(val);
    }
    return out as T;
  }
  return v;
}

/**
 * caddyconfig.JSONModuleObject: the module's JSON with its name under `key`
 * (e.g. `{"module": "acme", ...}`); the round trip through a Go map sorts the
 * keys, so Caddy's output shows them alphabetically.
 */
export function moduleObject(value: Record<string, unknown>, key: string, name: string): Record<string, unknown> {
  return sortKeysDeep({ ...value, [key]: name });
}

/** Drops undefined fields, keeping the key order (Go's omitempty on a struct). */
export function compact<T extends Record<string, unknown>>(o: T): T {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(o)) if (v !== undefined) out[k] = v;
  return out as T;
}

/** Stores `v` under `key`, or drops the key for Go's zero value (omitempty). */
export function setOmitEmpty(o: Record<string, unknown>, key: string, v: unknown): void {
  if (v === 0 || v === '' || v === false || v === undefined) delete o[key];
  else o[key] = v;
}

/** The same object with its keys sorted (one level), as Go marshals a map. */
export function sortedKeys<T>(o: Record<string, T>): Record<string, T> {
  const out: Record<string, T> = {};
  for (const k of Object.keys(o).sort()) out[k] = o[k]!;
  return out;
}

/**
 * A struct's fields in Go's declaration order (`keys`), then any others;
 * undefined fields drop out (omitempty).
 */
export function orderKeys<T extends Record<string, unknown>>(o: T, keys: readonly string[]): T {
  const out: Record<string, unknown> = {};
  for (const k of keys) if (o[k] !== undefined) out[k] = o[k];
  for (const k of Object.keys(o)) if (!(k in out) && o[k] !== undefined) out[k] = o[k];
  return out as T;
}
