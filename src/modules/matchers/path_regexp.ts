/**
 * path_regexp (Caddy's MatchPathRE): the cleaned, decoded path (doubled
 * slashes merged, trailing slash kept; case as sent) matches the regular
 * expression; captures become {http.regexp.NAME.N} and {http.regexp.NAME.group}.
 */
import { cleanKeepSlash } from '../../go/path.js';
import { matcherModule } from '../../core/registry.js';
import { RegexpMatcher } from '../../go/regexp.js';
import type { Matcher } from '../../core/types.js';
import { object } from '../../core/json_checks.js';

export const pathRegexpMatcher = matcherModule('path_regexp', (config): Matcher => {
  const spec = object(config, 'caddyhttp.MatchPathRE');
  const re = new RegexpMatcher(spec.name as string | undefined, String(spec.pattern ?? ''));
  return (ctx) => re.match(cleanKeepSlash(ctx.path), ctx.repl);
});
