/** remote_ip: the peer's address (the direct connection) is in one of the ranges. */
import { registerMatcher } from '../../core/registry.js';
import { ipMatcher } from './ipranges.js';

registerMatcher('remote_ip', (config) => ipMatcher(config, 'caddyhttp.MatchRemoteIP', (ctx) => ctx.remoteIP));
