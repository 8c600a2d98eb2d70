// The error module: its Caddyfile syntax and its runtime, registered once.
import { defineModule } from '../define.js';
import { errorDirective } from './caddyfile.js';
import { errorHandler } from './handler.js';

defineModule({
  directives: [errorDirective],
  handlers: [errorHandler],
});
