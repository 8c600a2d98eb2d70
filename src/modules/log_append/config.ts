/** The `log_append` handler's JSON (Caddy's caddyhttp/logging LogAppend). */
import { ObjectReader } from '../../core/decode.js';
import type { JSONObject } from '../../core/registry.js';

export interface LogAppendConfig {
  handler: 'log_append';
  /** The access log field to add. */
  key?: string;
  /** A single placeholder, the name of a var, or a literal. */
  value?: string;
  /** Evaluate the value before the rest of the chain runs (the Caddyfile's `<key`). */
  early?: boolean;
}

export interface LogAppend {
  key: string;
  value: string;
}

export function decodeLogAppend(json: JSONObject): LogAppend {
  const r = new ObjectReader(json);
  r.ignore('handler');
  const key = r.str('key', '');
  const value = r.str('value', '');
  // Accepted but not acted on yet: tsweb always evaluates on the way back.
  r.bool('early');
  r.done();
  if (key === '') throw new Error('log_append: "key" is required');
  return { key, value };
}
