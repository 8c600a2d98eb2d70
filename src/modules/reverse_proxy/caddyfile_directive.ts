/**
 * reverse_proxy [<matcher>] [<upstreams...>] { ... }
 *
 * The syntax lives in ../proxy/reverseproxy.ts, shared with forward_auth and
 * php_fastcgi.
 */
import { parseReverseProxy } from './caddyfile.js';
import { handlerDirective } from '../../adapt/registry.js';

export const reverseProxyDirective = handlerDirective('reverse_proxy', (h) => parseReverseProxy(h, h));
