// The authentication module: its Caddyfile syntax and its runtime, registered once.
import { defineModule } from '../define.js';
import { basicAuthDirective, basicauthDirective } from './caddyfile.js';
import { authenticationHandler } from './handler.js';

defineModule({
  directives: [basicAuthDirective, basicauthDirective],
  handlers: [authenticationHandler],
});
