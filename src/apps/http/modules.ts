// The engine's module list: importing it registers every handler and matcher.
import '../../http/handlers/index.js';
import '../../http/matchers/index.js';
import '../../modules/log_append/handler.js';
