// The vars module: its Caddyfile syntax and its runtime, registered once.
import { defineModule } from '../define.js';
import { varsDirective } from './caddyfile.js';
import { fsDirective } from './caddyfile_fs.js';
import { rootDirective } from './caddyfile_root.js';
import { varsHandler } from './handler.js';

defineModule({
  directives: [varsDirective, fsDirective, rootDirective],
  handlers: [varsHandler],
});
