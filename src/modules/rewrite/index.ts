// The rewrite module: its Caddyfile syntax and its runtime, registered once.
import { defineModule } from '../define.js';
import { rewriteDirective } from './caddyfile.js';
import { handlePathDirective } from './caddyfile_handle_path.js';
import { methodDirective } from './caddyfile_method.js';
import { uriDirective } from './caddyfile_uri.js';
import { rewriteHandler } from './handler.js';

defineModule({
  directives: [rewriteDirective, handlePathDirective, methodDirective, uriDirective],
  handlers: [rewriteHandler],
});
