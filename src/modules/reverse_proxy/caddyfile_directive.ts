/**
 * reverse_proxy [<matcher>] [<upstreams...>] { ... }
 *
 * The syntax lives in ../proxy/reverseproxy.ts, shared with forward_auth and
 * php_fastcgi.
 */
import { parseReverseProxy } from './caddyfile.js';
import { registerHandlerDirective } from '../../adapt/registry.js';

registerHandlerDirective('reverse_proxy', (h) => parseReverseProxy(h, h));
