// Importing this module registers every request matcher's Caddyfile parser.
import './lists.js';
import './fields.js';
import './misc.js';

export { parseMatcherDefinition, parseNestedMatcherSet } from './sets.js';
export { matchers, MATCHER_NAME_CTX_KEY } from './registry.js';
