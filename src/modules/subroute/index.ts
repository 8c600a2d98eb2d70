// The subroute module: its Caddyfile syntax and its runtime, registered once.
import { defineModule } from '../define.js';
import { handleDirective } from './caddyfile_handle.js';
import { routeDirective } from './caddyfile_route.js';
import { subrouteHandler } from './handler.js';

defineModule({
  directives: [handleDirective, routeDirective],
  handlers: [subrouteHandler],
});
