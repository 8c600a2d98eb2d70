/**
 * vars_regexp (Caddy's MatchVarsRE): one of the keys (a lone placeholder or
 * a variable name, as for vars) matches its regular expression; captures
 * become {http.regexp.NAME.*}.
 */
import { matcherModule } from '../../core/registry.js';
import { RegexpMatcher } from '../../go/regexp.js';
import type { Matcher } from '../../core/types.js';
import { object } from '../../core/json_checks.js';
import { varReader } from './vars.js';

export const varsRegexpMatcher = matcherModule('vars_regexp', (config): Matcher => {
  const entries = Object.entries(object(config, 'caddyhttp.MatchVarsRE')).map(([key, spec]) => {
    const s = object(spec, 'caddyhttp.MatchRegexp');
    return { read: varReader(key), re: new RegexpMatcher(s.name as string | undefined, String(s.pattern ?? '')) };
  });
  return (ctx) => {
    for (const { read, re } of entries) if (re.match(read(ctx), ctx.repl)) return true;
    return false;
  };
});
