/**
 * The streaming fields of the `reverse_proxy` JSON (Caddy's Handler):
 * buffering of bodies and the life of upgraded connections. Durations in
 * milliseconds; byte counts as Caddy's (-1: no limit).
 */
import { DecodeError, jsonKind, type ObjectReader } from '../../core/decode.js';

export interface StreamSettings {
  /** Bytes of the request body read before dialing (sent with a Content-Length); 0: streamed; -1: all of it. */
  requestBuffers: number;
  /** Bytes of the response body read before answering; 0: streamed; -1: all of it. */
  responseBuffers: number;
  /** Upgraded connections older than this are closed; 0: no limit. */
  streamTimeout: number;
  /** How long upgraded connections outlive the config that opened them; 0: closed when it goes. */
  streamCloseDelay: number;
}

function int64(r: ObjectReader, key: string): number {
  const v = r.raw(key);
  if (v === undefined || v === null) return 0;
  if (typeof v !== 'number' || !Number.isInteger(v)) throw new DecodeError(r.at(key), `json: cannot unmarshal ${jsonKind(v)} into Go value of type int64`);
  return v;
}

export function decodeStreams(r: ObjectReader): StreamSettings {
  const requestBuffers = int64(r, 'request_buffers');
  const responseBuffers = int64(r, 'response_buffers');
  // Node's sockets pick their own read sizes; the buffer size of Caddy's copy loop has no counterpart.
  int64(r, 'stream_buffer_size');
  return { requestBuffers, responseBuffers, streamTimeout: r.durationMs('stream_timeout'), streamCloseDelay: r.durationMs('stream_close_delay') };
}
