/** remote_ip: the peer's address (the direct connection) is in one of the ranges. */
import { matcherModule } from '../../core/registry.js';
import { ipMatcher } from './ipranges.js';

export const remoteIpMatcher = matcherModule('remote_ip', (config) => ipMatcher(config, 'caddyhttp.MatchRemoteIP', (ctx) => ctx.remoteIP));
