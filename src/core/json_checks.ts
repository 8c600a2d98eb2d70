/**
 * Checks on matcher JSON shared by the matcher modules' decoders: a
 * matcher's value is a bare Go type (a slice for path, a map for header),
 * not a struct, so its messages name that type as Go's decoder does
 * ("json: cannot unmarshal string into Go value of type caddyhttp.MatchPath"),
 * after the JSON path inside the value when the fault is deeper.
 */
import { DecodeError, join, jsonKind } from './decode.js';
import type { JSONObject } from './registry.js';

export { jsonKind };

/** Any JSON value, for config fields Caddy types as `any`. */
export type JSONValue = string | number | boolean | null | JSONValue[] | { [key: string]: JSONValue };

const unmarshal = (path: string, v: unknown, goType: string) => new DecodeError(path, `json: cannot unmarshal ${jsonKind(v)} into Go value of type ${goType}`);

/** A list of strings (`[]string` or a named slice type like caddyhttp.MatchPath). */
export function stringList(config: unknown, goType: string, path = ''): string[] {
  if (!Array.isArray(config)) throw unmarshal(path, config, goType);
  config.forEach((v, i) => {
    if (typeof v !== 'string') throw unmarshal(join(path, i), v, 'string');
  });
  return config as string[];
}

/** An object (a Go map or struct). */
export function object(config: unknown, goType: string, path = ''): JSONObject {
  if (config === null || typeof config !== 'object' || Array.isArray(config)) throw unmarshal(path, config, goType);
  return config as JSONObject;
}

/**
 * A map of string lists (http.Header, url.Values, VarsMatcher); `null`
 * values are kept where the type allows them (header: "must be absent").
 */
export function stringListMap(config: unknown, goType: string, nullable: boolean): Array<[string, string[] | null]> {
  return Object.entries(object(config, goType)).map(([key, vals]) => {
    if (vals === null && nullable) return [key, null];
    return [key, stringList(vals, '[]string', key)];
  });
}
