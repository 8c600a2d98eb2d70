/**
 * Precompressed sidecars: which encodings the config offers (Caddy's
 * http.precompressed.* modules) and the order a request accepts them in
 * (encode.AcceptedEncodings: q-value first, then the configured order).
 */

import { acceptedEncodings as acceptedEncodingsOf } from '../../core/accept_encoding.js';

/** The precompressor modules Caddy ships: Accept-Encoding token → sidecar suffix. */
export const precompressors: Record<string, string> = { br: '.br', gzip: '.gz', zstd: '.zst' };

/**
 * The client's acceptable encodings, best first: Caddy's file server uses
 * encode.AcceptedEncodings, and so does this one (no WebSocket rule here:
 * a file request never upgrades).
 */
export function acceptedEncodings(header: string | undefined, preferred: readonly string[]): string[] {
  return acceptedEncodingsOf(header, undefined, preferred);
}
