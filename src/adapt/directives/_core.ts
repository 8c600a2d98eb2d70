// Registration list for this group of directives: one import per module file.
import './bind.js';
import './handle.js';
import './handle_errors.js';
import './handle_path.js';
import './invoke.js';
import './route.js';
