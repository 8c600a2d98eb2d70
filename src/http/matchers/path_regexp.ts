/**
 * path_regexp (Caddy's MatchPathRE): the cleaned, decoded path (doubled
 * slashes merged, trailing slash kept; case as sent) matches the regular
 * expression; captures become {http.regexp.NAME.N} and {http.regexp.NAME.group}.
 */
import { cleanKeepSlash } from '../gopath.js';
import { registerMatcher } from '../registry.js';
import { RegexpMatcher } from '../regexp.js';
import type { Matcher } from '../types.js';
import { object } from './config.js';

registerMatcher('path_regexp', (config): Matcher => {
  const spec = object(config, 'caddyhttp.MatchPathRE');
  const re = new RegexpMatcher(spec.name as string | undefined, String(spec.pattern ?? ''));
  return (ctx) => re.match(cleanKeepSlash(ctx.path), ctx.repl);
});
