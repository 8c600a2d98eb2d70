// The acme_server module: its Caddyfile syntax and its runtime, registered once.
import { unimplementedHandler } from '../../core/registry.js';
import { defineModule } from '../define.js';
import { acmeServerDirective } from './caddyfile.js';

defineModule({
  directives: [acmeServerDirective],
  handlers: [unimplementedHandler('acme_server')],
});
