// Registration list for this group of directives: one import per module file.
import '../../modules/reverse_proxy/caddyfile_copy_response.js';
import '../../modules/reverse_proxy/caddyfile_copy_response_headers.js';
import '../../modules/forward_auth/caddyfile.js';
import '../../modules/intercept/caddyfile.js';
import '../../modules/php_fastcgi/caddyfile.js';
import '../../modules/reverse_proxy/caddyfile_directive.js';
