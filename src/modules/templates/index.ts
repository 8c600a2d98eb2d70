// The templates module: its Caddyfile syntax and its runtime, registered once.
import { defineModule } from '../define.js';
import { templatesDirective } from './caddyfile.js';
import { templatesHandler } from './handler.js';

defineModule({
  directives: [templatesDirective],
  handlers: [templatesHandler],
});
