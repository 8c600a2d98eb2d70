// The tracing module: its Caddyfile syntax and its runtime, registered once.
import { unimplementedHandler } from '../../core/registry.js';
import { defineModule } from '../define.js';
import { tracingDirective } from './caddyfile.js';

defineModule({
  directives: [tracingDirective],
  handlers: [unimplementedHandler('tracing')],
});
