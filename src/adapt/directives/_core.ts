// Registration list for this group of directives: one import per module file.
import './bind.js';
import '../../modules/subroute/caddyfile_handle.js';
import './handle_errors.js';
import '../../modules/rewrite/caddyfile_handle_path.js';
import '../../modules/invoke/caddyfile.js';
import '../../modules/subroute/caddyfile_route.js';
