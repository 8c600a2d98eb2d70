/** The `tracing` handler's JSON (Caddy's modules/caddyhttp/tracing Tracing). */
import { DecodeError, jsonKind, ObjectReader } from '../../core/decode.js';
import type { JSONObject } from '../../core/registry.js';

export interface TracingConfig {
  handler: 'tracing';
  /** The span's name; placeholders allowed (request ones: it is named before the handlers run). */
  span?: string;
  /** Extra span attributes; values may hold placeholders, evaluated once the response is written. */
  span_attributes?: Record<string, string>;
}

export interface Tracing {
  /** Caddy's default span name is "handler". */
  span: string;
  spanAttributes: ReadonlyArray<readonly [string, string]>;
}

export function decodeTracing(json: JSONObject): Tracing {
  const r = new ObjectReader(json);
  r.ignore('handler');
  const span = r.str('span', '');
  const attrs = r.map('span_attributes', (v, path) => {
    if (typeof v !== 'string') throw new DecodeError(path, `json: cannot unmarshal ${jsonKind(v)} into Go value of type string`);
    return v;
  });
  r.done();
  return { span: span === '' ? 'handler' : span, spanAttributes: [...attrs] };
}
