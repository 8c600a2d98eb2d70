// Registration list for this group of directives: one import per module file.
import './copy_response.js';
import './copy_response_headers.js';
import './forward_auth.js';
import './intercept.js';
import './php_fastcgi.js';
import './reverse_proxy.js';
