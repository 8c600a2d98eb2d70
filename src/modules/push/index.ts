// The push module: its Caddyfile syntax and its runtime, registered once.
import { unimplementedHandler } from '../../core/registry.js';
import { defineModule } from '../define.js';
import { pushDirective } from './caddyfile.js';

defineModule({
  directives: [pushDirective],
  handlers: [unimplementedHandler('push')],
});
