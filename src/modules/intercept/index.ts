// The intercept module: its Caddyfile syntax and its runtime, registered once.
import { defineModule } from '../define.js';
import { interceptDirective } from './caddyfile.js';

defineModule({
  directives: [interceptDirective],
});
