/**
 * The `error` handler's JSON (Caddy's caddyhttp.StaticError), as the
 * `error` directive writes it, and its decoder.
 */
import { ObjectReader } from '../../core/decode.js';
import type { JSONObject } from '../../core/registry.js';
import type { Replacer } from '../../core/replacer.js';
import { compileStatus } from '../../core/status.js';

export interface ErrorConfig {
  handler: 'error';
  /** The error's message; placeholders allowed. */
  error?: string;
  /** A WeakString: a number or a string (placeholders allowed); 500 when absent. */
  status_code?: number | string;
}

export interface StaticError {
  message: string;
  /** null: the default, 500. */
  status: ((repl: Replacer) => number) | null;
}

export function decodeError(json: JSONObject): StaticError {
  const r = new ObjectReader(json);
  r.ignore('handler');
  const message = r.str('error', '');
  const status = compileStatus(r.raw('status_code'), 'status_code');
  r.done();
  return { message, status };
}
