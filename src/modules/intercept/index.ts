// The intercept module: its Caddyfile syntax and its runtime, registered once.
import { defineModule } from '../define.js';
import { interceptDirective } from './caddyfile.js';
import { interceptHandler } from './handler.js';

defineModule({
  directives: [interceptDirective],
  handlers: [interceptHandler],
});
