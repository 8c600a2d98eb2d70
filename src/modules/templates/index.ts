// The templates module: its Caddyfile syntax and its runtime, registered once.
import { unimplementedHandler } from '../../core/registry.js';
import { defineModule } from '../define.js';
import { templatesDirective } from './caddyfile.js';

defineModule({
  directives: [templatesDirective],
  handlers: [unimplementedHandler('templates')],
});
