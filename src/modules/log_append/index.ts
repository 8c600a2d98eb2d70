// The log_append module: its Caddyfile syntax and its runtime, registered once.
import { defineModule } from '../define.js';
import { logAppendDirective } from './caddyfile.js';
import { logAppendHandler } from './handler.js';

defineModule({
  directives: [logAppendDirective],
  handlers: [logAppendHandler],
});
