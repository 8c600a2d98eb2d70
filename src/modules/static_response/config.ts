/**
 * The `static_response` handler's JSON (Caddy's caddyhttp.StaticResponse),
 * as the `respond`, `redir` and `abort` directives write it, and its decoder.
 */
import { ObjectReader } from '../../core/decode.js';
import { decodeHTTPHeader, type HTTPHeaderConfig } from '../../core/header_ops.js';
import type { JSONObject } from '../../core/registry.js';
import type { Replacer } from '../../core/replacer.js';
import { compileStatus } from '../../core/status.js';

export interface StaticResponseConfig {
  handler: 'static_response';
  /** A WeakString: a number or a string (placeholders allowed). */
  status_code?: number | string;
  headers?: HTTPHeaderConfig;
  body?: string;
  close?: boolean;
  abort?: boolean;
}

export interface StaticResponse {
  /** null: 200, or the error's status in an error route. */
  status: ((repl: Replacer) => number) | null;
  /** Field → values, as configured; both take placeholders. */
  headers: Array<[string, string[]]>;
  body: string;
  close: boolean;
  abort: boolean;
}

export function decodeStaticResponse(json: JSONObject): StaticResponse {
  const r = new ObjectReader(json);
  r.ignore('handler');
  const status = compileStatus(r.raw('status_code'), 'status_code');
  const headers = Object.entries(decodeHTTPHeader(r.raw('headers'), r.at('headers')) ?? {});
  const body = r.str('body', '');
  const close = r.bool('close');
  const abort = r.bool('abort');
  r.done();
  return { status, headers, body, close, abort };
}
