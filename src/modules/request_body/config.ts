/**
 * The `request_body` handler's JSON (Caddy's requestbody.RequestBody), as
 * the adapter writes it and the handler reads it.
 */
import { ObjectReader } from '../../core/decode.js';
import type { JSONObject } from '../../core/registry.js';
import { compileTemplate, type Template } from '../../core/replacer.js';

export interface RequestBodyConfig {
  handler: 'request_body';
  /** Bytes the handlers after this one may read; 0 or absent: no limit. */
  max_size?: number;
  /** caddy.Duration (nanoseconds) to read the whole body; not enforced by tsweb yet. */
  read_timeout?: number | string;
  /** caddy.Duration (nanoseconds) to write the response; not enforced by tsweb yet. */
  write_timeout?: number | string;
  /** Replaces the request body with this string, placeholders expanded (newer Caddy). */
  set?: string;
}

export interface RequestBody {
  maxSize: number;
  /** The new body, compiled once; null: the client's body stays. */
  set: Template | null;
}

export function decodeRequestBody(json: JSONObject): RequestBody {
  const r = new ObjectReader(json);
  r.ignore('handler');
  const max = r.raw('max_size') ?? 0;
  if (typeof max !== 'number' || !Number.isInteger(max) || max < 0) throw new Error('max_size: must be a non-negative integer');
  const set = r.str('set', '');
  r.durationMs('read_timeout');
  r.durationMs('write_timeout');
  r.done();
  // Caddy's repl.ReplaceAll(set, ""): unknown placeholders become empty.
  return { maxSize: max, set: set === '' ? null : compileTemplate(set, 'empty') };
}
