// The static_response module: its Caddyfile syntax and its runtime, registered once.
import { defineModule } from '../define.js';
import { respondDirective } from './caddyfile.js';
import { abortDirective } from './caddyfile_abort.js';
import { redirDirective } from './caddyfile_redir.js';
import { staticResponseHandler } from './handler.js';

defineModule({
  directives: [respondDirective, abortDirective, redirDirective],
  handlers: [staticResponseHandler],
});
