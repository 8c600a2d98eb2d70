// The encode module: its Caddyfile syntax and its runtime, registered once.
import { defineModule } from '../define.js';
import { encodeDirective } from './caddyfile.js';
import { encodeHandler } from './handler.js';

defineModule({
  directives: [encodeDirective],
  handlers: [encodeHandler],
});
