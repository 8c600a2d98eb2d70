// The engine's module list: importing it registers every handler and matcher.
import './handlers/index.js';
import './matchers/index.js';
import '../log/log_append.js';
