// The invoke module: its Caddyfile syntax and its runtime, registered once.
import { defineModule } from '../define.js';
import { invokeDirective } from './caddyfile.js';
import { invokeHandler } from './handler.js';

defineModule({
  directives: [invokeDirective],
  handlers: [invokeHandler],
});
