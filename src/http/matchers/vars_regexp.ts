/**
 * vars_regexp (Caddy's MatchVarsRE): one of the keys (a lone placeholder or
 * a variable name, as for vars) matches its regular expression; captures
 * become {http.regexp.NAME.*}.
 */
import { registerMatcher } from '../registry.js';
import { RegexpMatcher } from '../regexp.js';
import type { Matcher } from '../types.js';
import { object } from './config.js';
import { varReader } from './vars.js';

registerMatcher('vars_regexp', (config): Matcher => {
  const entries = Object.entries(object(config, 'caddyhttp.MatchVarsRE')).map(([key, spec]) => {
    const s = object(spec, 'caddyhttp.MatchRegexp');
    return { read: varReader(key), re: new RegexpMatcher(s.name as string | undefined, String(s.pattern ?? '')) };
  });
  return (ctx) => {
    for (const { read, re } of entries) if (re.match(read(ctx), ctx.repl)) return true;
    return false;
  };
});
