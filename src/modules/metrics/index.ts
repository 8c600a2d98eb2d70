// The metrics module: its Caddyfile syntax and its runtime, registered once.
import { defineModule } from '../define.js';
import { metricsDirective } from './caddyfile.js';
import { metricsHandler } from './handler.js';

defineModule({
  directives: [metricsDirective],
  handlers: [metricsHandler],
});
