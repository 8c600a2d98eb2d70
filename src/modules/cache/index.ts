// The cache module (caddyserver/cache-handler's syntax): its Caddyfile syntax and its runtime, registered once.
import { defineModule } from '../define.js';
import { cacheDirective } from './caddyfile.js';
import { cacheHandler } from './handler.js';

defineModule({
  directives: [cacheDirective],
  order: [{ directive: 'cache', position: 'before', standard: 'rewrite' }],
  handlers: [cacheHandler],
});
