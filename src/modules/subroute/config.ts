/**
 * The `subroute` handler's JSON (Caddy's caddyhttp.Subroute), as `handle`,
 * `route` and `handle_path` write it. The routes themselves are checked
 * where every route list is compiled (the http app), so a subroute's and
 * a server's routes answer alike.
 */
import { DecodeError, jsonKind, ObjectReader } from '../../core/decode.js';
import type { JSONObject } from '../../core/registry.js';

/** A handler's JSON: its name under `handler`, then its own fields. */
export interface HandlerConfig {
  handler: string;
  [field: string]: unknown;
}

/** caddyhttp.Route. */
export interface RouteConfig {
  group?: string;
  /** Matcher sets, ORed; each maps matcher names to their values. */
  match?: Array<Record<string, unknown>>;
  handle?: HandlerConfig[];
  terminal?: boolean;
}

export interface SubrouteConfig {
  handler: 'subroute';
  routes?: RouteConfig[];
  /** caddyhttp.HTTPErrorConfig: routes for errors raised inside this subroute. */
  errors?: { routes?: RouteConfig[] };
}

export interface Subroute {
  routes: JSONObject[] | undefined;
  /** null: errors inside propagate; otherwise they run these routes (none: fall through). */
  errors: { routes: JSONObject[] | undefined } | null;
}

/** A RouteList: absent or null reads as none. */
function routeList(r: ObjectReader, key: string): JSONObject[] | undefined {
  const v = r.raw(key);
  if (v === undefined || v === null) return undefined;
  if (!Array.isArray(v)) throw new DecodeError(r.at(key), `json: cannot unmarshal ${jsonKind(v)} into Go value of type caddyhttp.RouteList`);
  return v;
}

export function decodeSubroute(json: JSONObject): Subroute {
  const r = new ObjectReader(json);
  r.ignore('handler');
  const routes = routeList(r, 'routes');
  const e = r.obj('errors', 'caddyhttp.HTTPErrorConfig');
  const hasErrorRoutes = e.json.routes !== undefined;
  const errorRoutes = routeList(e, 'routes');
  e.done();
  r.done();
  return { routes, errors: hasErrorRoutes ? { routes: errorRoutes } : null };
}
