// The timeouts module: its Caddyfile syntax and its runtime, registered once.
import { defineModule } from '../define.js';
import { timeoutsDirective } from './caddyfile.js';

defineModule({
  directives: [timeoutsDirective],
});
