// The php_fastcgi module: its Caddyfile syntax and its runtime, registered once.
import { defineModule } from '../define.js';
import { phpFastcgiDirective } from './caddyfile.js';

defineModule({
  directives: [phpFastcgiDirective],
});
