/**
 * header_regexp (Caddy's MatchHeaderRE): for every listed field, one of the
 * request's values matches the field's regular expression; captures become
 * {http.regexp.NAME.*}. The Host field is the request's host.
 */
import { matcherModule } from '../../core/registry.js';
import type { Matcher } from '../../core/types.js';
import { decodeRegexpMap, type KeyRegexp } from './config.js';
import { fieldValues } from './header.js';

function provision(config: KeyRegexp[]): Matcher {
  const fields = config.map(({ key, re }) => ({ name: key.toLowerCase(), re }));
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
}

export const headerRegexpMatcher = matcherModule('header_regexp', { decode: decodeRegexpMap('caddyhttp.MatchHeaderRE'), provision });
