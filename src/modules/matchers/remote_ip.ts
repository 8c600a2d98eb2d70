/** remote_ip: the peer's address (the direct connection) is in one of the ranges. */
import { matcherModule } from '../../core/registry.js';
import { decodeIPRanges } from './config.js';
import { ipMatcher } from './ipranges.js';

export const remoteIpMatcher = matcherModule('remote_ip', { decode: decodeIPRanges('caddyhttp.MatchRemoteIP'), provision: (ranges) => ipMatcher(ranges, (ctx) => ctx.remoteIP) });
