// The metrics module: its Caddyfile syntax and its runtime, registered once.
import { unimplementedHandler } from '../../core/registry.js';
import { defineModule } from '../define.js';
import { metricsDirective } from './caddyfile.js';

defineModule({
  directives: [metricsDirective],
  handlers: [unimplementedHandler('metrics')],
});
