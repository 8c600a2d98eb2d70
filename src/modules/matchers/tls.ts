/**
 * tls: the request came over TLS; with handshake_complete set, whether the
 * handshake had completed (always true on TCP: only QUIC 0-RTT data arrives
 * before, and tsweb has no HTTP/3).
 */
import { matcherModule } from '../../core/registry.js';
import type { Matcher } from '../../core/types.js';
import { decodeTLS } from './config.js';

function provision(handshakeComplete: boolean | undefined): Matcher {
  if (handshakeComplete === false) return () => false;
  return (ctx) => ctx.scheme === 'https';
}

export const tlsMatcher = matcherModule('tls', { decode: decodeTLS, provision });
