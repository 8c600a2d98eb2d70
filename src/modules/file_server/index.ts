// The file_server module: its Caddyfile syntax and its runtime, registered once.
import { defineModule } from '../define.js';
import { fileServerDirective } from './caddyfile.js';
import { tryFilesDirective } from './caddyfile_try_files.js';
import { fileServerHandler } from './handler.js';
import { fileMatcher } from './matcher.js';

defineModule({
  directives: [fileServerDirective, tryFilesDirective],
  handlers: [fileServerHandler],
  matchers: [fileMatcher],
});
