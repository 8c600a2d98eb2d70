// The forward_auth module: its Caddyfile syntax and its runtime, registered once.
import { defineModule } from '../define.js';
import { forwardAuthDirective } from './caddyfile.js';

defineModule({
  directives: [forwardAuthDirective],
});
