// The map module: its Caddyfile syntax and its runtime, registered once.
import { defineModule } from '../define.js';
import { mapDirective } from './caddyfile.js';
import { mapHandler } from './handler.js';

defineModule({
  directives: [mapDirective],
  handlers: [mapHandler],
});
