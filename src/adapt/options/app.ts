import type { JSONObject } from '../types.js';

/**
 * A global option whose value is a whole app config (Caddy's
 * httpcaddyfile.App): the adapter puts `value` at `apps[name]`.
 */
export class AppOption {
  constructor(
    readonly name: string,
    readonly value: JSONObject,
  ) {}
}
