/**
 * The `intercept` handler's JSON (Caddy's intercept.Intercept): a list of
 * caddyhttp.ResponseHandler, the type reverse_proxy's handle_response has,
 * decoded by the same code.
 */
import { ObjectReader } from '../../core/decode.js';
import type { JSONObject } from '../../core/registry.js';
import { decodeResponseHandler, type ResponseHandlerConfig } from '../reverse_proxy/config.js';

export interface InterceptConfig {
  handler: 'intercept';
  handle_response?: ResponseHandlerConfig[];
}

export function decodeIntercept(json: JSONObject): ResponseHandlerConfig[] {
  const r = new ObjectReader(json);
  r.ignore('handler');
  const list = r.list('handle_response', decodeResponseHandler);
  r.done();
  return list;
}
