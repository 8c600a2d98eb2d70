// Every handler module registers itself on import; the engine imports this list once.
import '../../modules/authentication/handler.js';
import '../../modules/encode/handler.js';
import '../../modules/error/handler.js';
import '../../modules/file_server/handler.js';
import '../../modules/headers/handler.js';
import '../../modules/invoke/handler.js';
import '../../modules/map/handler.js';
import '../../modules/request_body/handler.js';
import '../../modules/reverse_proxy/handler.js';
import '../../modules/rewrite/handler.js';
import '../../modules/static_response/handler.js';
import '../../modules/subroute/handler.js';
import '../../modules/vars/handler.js';
