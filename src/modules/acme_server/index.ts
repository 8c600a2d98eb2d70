// The acme_server module: its Caddyfile syntax and its runtime, registered once.
import { defineModule } from '../define.js';
import { acmeServerDirective } from './caddyfile.js';
import { acmeServerHandler } from './handler.js';

defineModule({
  directives: [acmeServerDirective],
  handlers: [acmeServerHandler],
});
