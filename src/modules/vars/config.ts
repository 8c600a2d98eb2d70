/**
 * The `vars` handler's JSON (Caddy's VarsMiddleware, a map), as the `vars`,
 * `root` and `fs` directives write it: every field but `handler` names a
 * variable and holds its value.
 */
import type { JSONObject } from '../../core/registry.js';
import type { JSONValue } from '../../core/json_checks.js';

export interface VarsConfig {
  handler: 'vars';
  /** A variable (its name may hold placeholders) and its value; `root` and `fs` are variables too. */
  [name: string]: JSONValue;
}

/** The variables in the order written. */
export function decodeVars(json: JSONObject): Array<[name: string, value: unknown]> {
  // `@id` is the admin API's, never a variable (Caddy strips it before decoding).
  return Object.entries(json).filter(([name]) => name !== 'handler' && name !== '@id');
}
