// Every request matcher: importing this registers them all (one module per file).
import '../../modules/matchers/client_ip.js';
import '../../modules/matchers/expression.js';
import '../../modules/file_server/matcher.js';
import '../../modules/matchers/header.js';
import '../../modules/matchers/header_regexp.js';
import '../../modules/matchers/host.js';
import '../../modules/matchers/method.js';
import '../../modules/matchers/not.js';
import '../../modules/matchers/path.js';
import '../../modules/matchers/path_regexp.js';
import '../../modules/matchers/protocol.js';
import '../../modules/matchers/query.js';
import '../../modules/matchers/remote_ip.js';
import '../../modules/matchers/tls.js';
import '../../modules/matchers/vars.js';
import '../../modules/matchers/vars_regexp.js';
