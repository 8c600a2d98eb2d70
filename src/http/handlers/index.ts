// Every handler module registers itself on import; the engine imports this list once.
import './authentication.js';
import './encode.js';
import './error.js';
import './file_server/index.js';
import './headers.js';
import './invoke.js';
import './map.js';
import './request_body.js';
import './reverse_proxy.js';
import './rewrite.js';
import './static_response.js';
import './subroute.js';
import './vars.js';
