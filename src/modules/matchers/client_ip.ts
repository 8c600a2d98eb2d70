/**
 * client_ip: the client's address — the peer, or what a trusted proxy said
 * in the client IP headers (see clientip.ts) — is in one of the ranges.
 */
import { matcherModule } from '../../core/registry.js';
import { decodeIPRanges } from './config.js';
import { ipMatcher } from './ipranges.js';

// Read from the variable, as Caddy does, so a handler that sets client_ip is honoured.
export const clientIpMatcher = matcherModule('client_ip', {
  decode: decodeIPRanges('caddyhttp.MatchClientIP'),
  provision: (ranges) =>
    ipMatcher(ranges, (ctx) => {
      const v = ctx.vars.get('client_ip');
      return typeof v === 'string' ? v : ctx.clientIP;
    }),
});
