// The acme_server module: its Caddyfile syntax and its runtime, registered once.
import { defineModule } from '../define.js';
import { acmeServerDirective } from './caddyfile.js';

defineModule({
  directives: [acmeServerDirective],
});
