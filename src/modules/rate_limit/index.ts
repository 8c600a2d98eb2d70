// The rate_limit module (the caddy-ratelimit plugin's syntax): its Caddyfile syntax and its runtime, registered once.
import { defineModule } from '../define.js';
import { rateLimitDirective } from './caddyfile.js';
import { rateLimitHandler } from './handler.js';

defineModule({
  directives: [rateLimitDirective],
  order: [{ directive: 'rate_limit', position: 'before', standard: 'basic_auth' }],
  handlers: [rateLimitHandler],
});
