// Matcher sets and the registry of matchers' Caddyfile syntax (filled by src/modules).
export { parseMatcherDefinition, parseNestedMatcherSet } from './sets.js';
export { matchers, MATCHER_NAME_CTX_KEY } from './registry.js';
