// The intercept module: its Caddyfile syntax and its runtime, registered once.
import { unimplementedHandler } from '../../core/registry.js';
import { defineModule } from '../define.js';
import { interceptDirective } from './caddyfile.js';

defineModule({
  directives: [interceptDirective],
  handlers: [unimplementedHandler('intercept')],
});
