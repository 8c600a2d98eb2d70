// Every handler module registers itself on import; the engine imports this list once.
import './error.js';
import './file_server/index.js';
import './invoke.js';
import './static_response.js';
import './subroute.js';
import './vars.js';
