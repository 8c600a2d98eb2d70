// Registration list for this group of directives: one import per module file.
import './tls.js';
import './log.js';
import './log_skip.js';
import './log_name.js';
import '../../modules/log_append/caddyfile.js';
