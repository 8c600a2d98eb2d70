// Every module, one line each: importing this registers their Caddyfile syntax and runtime.
// Only composition roots import it (src/cli/main.ts, scripts, test/setup.ts).
import './acme_server/index.js';
import './authentication/index.js';
import './encode/index.js';
import './error/index.js';
import './file_server/index.js';
import './forward_auth/index.js';
import './headers/index.js';
import './intercept/index.js';
import './invoke/index.js';
import './log_append/index.js';
import './map/index.js';
import './matchers/index.js';
import './metrics/index.js';
import './php_fastcgi/index.js';
import './push/index.js';
import './request_body/index.js';
import './reverse_proxy/index.js';
import './rewrite/index.js';
import './static_response/index.js';
import './subroute/index.js';
import './templates/index.js';
import './timeouts/index.js';
import './tracing/index.js';
import './vars/index.js';
