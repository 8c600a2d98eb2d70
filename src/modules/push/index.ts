// The push module: its Caddyfile syntax and its runtime, registered once.
import { defineModule } from '../define.js';
import { pushDirective } from './caddyfile.js';
import { pushHandler } from './handler.js';

defineModule({
  directives: [pushDirective],
  handlers: [pushHandler],
});
