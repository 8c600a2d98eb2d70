/**
 * query (Caddy's MatchQuery): every configured key is in the query string
 * with one of the configured values (`*` is any value, `""` an empty one).
 * Keys and values may hold placeholders. An empty config matches only a
 * request without query parameters. A query string Go cannot parse (bad
 * escapes, `;` separators) never matches.
 */
import { parseQuery } from '../../go/url.js';
import { queryValues } from '../../core/placeholders/request.js';
import { matcherModule } from '../../core/registry.js';
import { compileTemplate } from '../../core/replacer.js';
import type { Matcher } from '../../core/types.js';
import { decodeQuery, type KeyValues } from './config.js';

function provision(config: KeyValues[]): Matcher {
  const entries = config.map(({ key, values }) => ({ key: compileTemplate(key, 'empty'), values: values.map((v) => compileTemplate(v, 'empty')) }));
  if (entries.length === 0) return (ctx) => queryValues(ctx).size === 0;
  return (ctx) => {
    const { values: parsed, ok } = parseQuery(ctx.query);
    if (!ok) return false;
    for (const { key, values } of entries) {
      const actual = parsed.get(key(ctx.repl));
      if (actual === undefined) return false;
      let matched = false;
      for (const v of values) {
        const want = v(ctx.repl);
        if (want === '*' || actual.includes(want)) {
          matched = true;
          break;
        }
      }
      if (!matched) return false;
    }
    return true;
  };
}

export const queryMatcher = matcherModule('query', { decode: decodeQuery, provision });
