// The tracing module: its Caddyfile syntax and its runtime, registered once.
import { defineModule } from '../define.js';
import { tracingDirective } from './caddyfile.js';
import { tracingHandler } from './handler.js';

defineModule({
  directives: [tracingDirective],
  handlers: [tracingHandler],
});
