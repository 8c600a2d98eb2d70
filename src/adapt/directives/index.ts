// Importing a directive module registers it. Each group list is owned by the
// people working on that group, so additions do not collide.
import './_core.js';
import './_handlers.js';
import './_proxy.js';
import './_tls.js';
import '../options/index.js';
