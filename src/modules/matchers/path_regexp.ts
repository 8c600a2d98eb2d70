/**
 * path_regexp (Caddy's MatchPathRE): the cleaned, decoded path (doubled
 * slashes merged, trailing slash kept; case as sent) matches the regular
 * expression; captures become {http.regexp.NAME.N} and {http.regexp.NAME.group}.
 */
import { cleanKeepSlash } from '../../go/path.js';
import { matcherModule } from '../../core/registry.js';
import type { RegexpMatcher } from '../../go/regexp.js';
import type { Matcher } from '../../core/types.js';
import { decodePathRE } from './config.js';

function provision(re: RegexpMatcher): Matcher {
  return (ctx) => re.match(cleanKeepSlash(ctx.path), ctx.repl);
}

export const pathRegexpMatcher = matcherModule('path_regexp', { decode: decodePathRE, provision });
