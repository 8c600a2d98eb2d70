/**
 * tls: the request came over TLS; with handshake_complete set, whether the
 * handshake had completed (always true on TCP: only QUIC 0-RTT data arrives
 * before, and tsweb has no HTTP/3).
 */
import { matcherModule } from '../../core/registry.js';
import { object } from '../../core/json_checks.js';

export const tlsMatcher = matcherModule('tls', (config) => {
  const want = object(config ?? {}, 'caddyhttp.MatchTLS').handshake_complete as boolean | undefined;
  if (want === false) return () => false;
  return (ctx) => ctx.scheme === 'https';
});
