// The reverse_proxy module: its Caddyfile syntax and its runtime, registered once.
import { defineModule } from '../define.js';
import { copyResponseDirective } from './caddyfile_copy_response.js';
import { copyResponseHeadersDirective } from './caddyfile_copy_response_headers.js';
import { reverseProxyDirective } from './caddyfile_directive.js';
import { copyResponseHandler, copyResponseHeadersHandler } from './handle_response_copy.js';
import { reverseProxyHandler } from './handler.js';

defineModule({
  directives: [copyResponseDirective, copyResponseHeadersDirective, reverseProxyDirective],
  handlers: [reverseProxyHandler, copyResponseHandler, copyResponseHeadersHandler],
});
