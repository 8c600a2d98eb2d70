/** The `invoke` handler's JSON (Caddy's caddyhttp.Invoke). */
import { ObjectReader } from '../../core/decode.js';
import type { JSONObject } from '../../core/registry.js';

export interface InvokeConfig {
  handler: 'invoke';
  /** The server's named route to run (a key of its `named_routes`). */
  name?: string;
}

/** The route name; required. */
export function decodeInvoke(json: JSONObject): string {
  const r = new ObjectReader(json);
  r.ignore('handler');
  const name = r.str('name', '');
  r.done();
  if (name === '') throw new Error('invoke: a route name is required');
  return name;
}
