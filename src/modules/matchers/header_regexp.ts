/**
 * header_regexp (Caddy's MatchHeaderRE): for every listed field, one of the
 * request's values matches the field's regular expression; captures become
 * {http.regexp.NAME.*}. The Host field is the request's host.
 */
import { matcherModule } from '../../core/registry.js';
import { RegexpMatcher } from '../../go/regexp.js';
import type { Matcher } from '../../core/types.js';
import { object } from '../../core/json_checks.js';
import { fieldValues } from './header.js';

export const headerRegexpMatcher = matcherModule('header_regexp', (config): Matcher => {
  const fields = Object.entries(object(config, 'caddyhttp.MatchHeaderRE')).map(([name, spec]) => {
    const s = object(spec, 'caddyhttp.MatchRegexp');
    return { name: name.toLowerCase(), re: new RegexpMatcher(s.name as string | undefined, String(s.pattern ?? '')) };
  });
  return (ctx) => {
    for (const { name, re } of fields) {
      const values = fieldValues(ctx, name);
      if (values === null) return false;
      let matched = false;
      for (const v of values) {
        if (re.match(v, ctx.repl)) {
          matched = true;
          break;
        }
      }
      if (!matched) return false;
    }
    return true;
  };
});
