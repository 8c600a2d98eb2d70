// The adapter's own directives (Caddy's httpcaddyfile builtins: bind, tls,
// log, handle_errors ...) and the global options. Modules' directives are
// registered by src/modules/index.ts.
import './bind.js';
import './handle_errors.js';
import './log.js';
import './log_name.js';
import './log_skip.js';
import './tls.js';
import '../options/index.js';
