// The headers module: its Caddyfile syntax and its runtime, registered once.
import { defineModule } from '../define.js';
import { headerDirective } from './caddyfile.js';
import { requestHeaderDirective } from './caddyfile_request_header.js';
import { headersHandler } from './handler.js';

defineModule({
  directives: [headerDirective, requestHeaderDirective],
  handlers: [headersHandler],
});
