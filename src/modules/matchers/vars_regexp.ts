/**
 * vars_regexp (Caddy's MatchVarsRE): one of the keys (a lone placeholder or
 * a variable name, as for vars) matches its regular expression; captures
 * become {http.regexp.NAME.*}.
 */
import { matcherModule } from '../../core/registry.js';
import type { Matcher } from '../../core/types.js';
import { decodeRegexpMap, type KeyRegexp } from './config.js';
import { varReader } from './vars.js';

function provision(config: KeyRegexp[]): Matcher {
  const entries = config.map(({ key, re }) => ({ read: varReader(key), re }));
  return (ctx) => {
    for (const { read, re } of entries) if (re.match(read(ctx), ctx.repl)) return true;
    return false;
  };
}

export const varsRegexpMatcher = matcherModule('vars_regexp', { decode: decodeRegexpMap('caddyhttp.MatchVarsRE'), provision });
