// Importing this module registers every request matcher's Caddyfile parser.
import '../../modules/matchers/caddyfile_lists.js';
import '../../modules/matchers/caddyfile_fields.js';
import '../../modules/matchers/caddyfile_misc.js';

export { parseMatcherDefinition, parseNestedMatcherSet } from './sets.js';
export { matchers, MATCHER_NAME_CTX_KEY } from './registry.js';
