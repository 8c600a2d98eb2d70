// The request_body module: its Caddyfile syntax and its runtime, registered once.
import { defineModule } from '../define.js';
import { requestBodyDirective } from './caddyfile.js';
import { requestBodyHandler } from './handler.js';

defineModule({
  directives: [requestBodyDirective],
  handlers: [requestBodyHandler],
});
