/**
 * The `headers` handler's JSON (Caddy's headers.Handler), as the `header`
 * and `request_header` directives write it, and its decoder. The ops'
 * types and decoders are shared with reverse_proxy (core/header_ops.ts).
 */
import { ObjectReader } from '../../core/decode.js';
import { decodeHeaderOps, decodeRespHeaderOps, type HeaderOpsConfig, type RespHeaderOpsConfig } from '../../core/header_ops.js';
import type { JSONObject } from '../../core/registry.js';

export interface HeadersConfig {
  handler: 'headers';
  request?: HeaderOpsConfig;
  response?: RespHeaderOpsConfig;
}

export interface Headers {
  request: HeaderOpsConfig | undefined;
  response: RespHeaderOpsConfig | undefined;
  /** Response ops wait for the response head (`deferred`, or a `require` to test it). */
  deferred: boolean;
}

export function decodeHeaders(json: JSONObject): Headers {
  const r = new ObjectReader(json);
  r.ignore('handler');
  const request = decodeHeaderOps(r.raw('request'), r.at('request'));
  const response = decodeRespHeaderOps(r.raw('response'), r.at('response'));
  r.done();
  const deferred = response !== undefined && (response.deferred === true || response.require !== undefined);
  return { request, response, deferred };
}
