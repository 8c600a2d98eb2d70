// The standard request matchers (Caddy's caddyhttp matchers.go): Caddyfile syntax and runtime.
import { defineModule } from '../define.js';
import { headerRegexpSyntax, headerSyntax, pathRegexpSyntax, querySyntax, varsRegexpSyntax, varsSyntax } from './caddyfile_fields.js';
import { clientIpSyntax, hostSyntax, localIpSyntax, methodSyntax, pathSyntax, protocolSyntax, remoteIpSyntax, tlsSyntax } from './caddyfile_lists.js';
import { expressionSyntax, fileSyntax, notSyntax, urlPatternSyntax } from './caddyfile_misc.js';
import { clientIpMatcher } from './client_ip.js';
import { headerMatcher } from './header.js';
import { headerRegexpMatcher } from './header_regexp.js';
import { hostMatcher } from './host.js';
import { methodMatcher } from './method.js';
import { notMatcher } from './not.js';
import { pathMatcher } from './path.js';
import { pathRegexpMatcher } from './path_regexp.js';
import { protocolMatcher } from './protocol.js';
import { queryMatcher } from './query.js';
import { remoteIpMatcher } from './remote_ip.js';
import { tlsMatcher } from './tls.js';
import { urlPatternMatcher } from './url_pattern.js';
import { varsMatcher } from './vars.js';
import { varsRegexpMatcher } from './vars_regexp.js';

defineModule({
  matcherParsers: [headerSyntax, querySyntax, varsSyntax, pathRegexpSyntax, headerRegexpSyntax, varsRegexpSyntax, hostSyntax, pathSyntax, methodSyntax, remoteIpSyntax, clientIpSyntax, localIpSyntax, protocolSyntax, tlsSyntax, expressionSyntax, fileSyntax, urlPatternSyntax, notSyntax],
  matchers: [urlPatternMatcher, clientIpMatcher, headerMatcher, headerRegexpMatcher, hostMatcher, methodMatcher, notMatcher, pathMatcher, pathRegexpMatcher, protocolMatcher, queryMatcher, remoteIpMatcher, tlsMatcher, varsMatcher, varsRegexpMatcher],
});
