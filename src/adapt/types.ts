/** Caddy-JSON building blocks as plain objects; fields Caddy omits when empty are left undefined. */
import type { JSONObject } from '../go/json.js';
export type { JSONObject };

/** A matcher set: matcher name → its JSON config (ANDed together). */
export type MatcherSet = JSONObject;

/** A handler's JSON: `{ handler: 'name', ... }`. */
export type HandlerJSON = JSONObject & { handler: string };

/** apps.http.servers.*.routes[] */
export interface RouteJSON {
  group?: string;
  match?: MatcherSet[];
  handle?: JSONObject[];
  terminal?: boolean;
}

/**
 * What a directive's parser produces, tagged with a class the server-block
 * adapter knows how to place: 'route' (RouteJSON), 'bind' (string[]),
 * 'tls.*' (TLS pieces), 'custom_log', 'error_route', 'named_route', ...
 * (the same classes Caddy's httpcaddyfile uses).
 */
export interface ConfigValue {
  class: string;
  value: unknown;
  /** Set by the adapter: the directive that produced this value (for sorting). */
  directive?: string;
}

export interface Warning {
  file?: string;
  line?: number;
  directive?: string;
  message: string;
}
