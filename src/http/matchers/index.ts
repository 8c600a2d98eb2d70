// Every request matcher: importing this registers them all (one module per file).
import './client_ip.js';
import './expression.js';
import './file.js';
import './header.js';
import './header_regexp.js';
import './host.js';
import './method.js';
import './not.js';
import './path.js';
import './path_regexp.js';
import './protocol.js';
import './query.js';
import './remote_ip.js';
import './tls.js';
import './vars.js';
import './vars_regexp.js';
