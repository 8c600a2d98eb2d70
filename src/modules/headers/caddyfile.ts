/**
 * header [<matcher>] [[+|-|?|>]<field> [<value|regexp>] [<replacement>]] {
 *     [+]<field> [<value|regexp> [<replacement>]]
 *     ?<field> <default_value>
 *     -<field>
 *     ><field>
 *     [defer]
 *     match <response matcher>
 * }
 *
 * One header op on the first line or several in the block, not both. `?`
 * operations become a second handler because their `require` condition
 * applies to the whole handler (Caddy does the same).
 */
import { applyHeaderOp, isEmptyHeaderOps, orderedHeaderOps, type RespHeaderOps } from './caddyfile_ops.js';
import { directive } from '../../adapt/registry.js';
import { parseNamedResponseMatcher } from './caddyfile_response_matcher.js';
import type { ResponseMatcherJSON } from './caddyfile_ops.js';
import type { ConfigValue } from '../../adapt/types.js';
import type { HeadersConfig } from './config.js';

export const headerDirective = directive('header', (h) => {
  h.next(); // directive name
  const matcherSet = h.extractMatcherSet();
  h.next(); // the name again: matcher extraction rewinds

  const main: RespHeaderOps = {};
  const withRequire: RespHeaderOps = {};

  let hasArgs = false;
  if (h.nextArg()) {
    hasArgs = true;
    const field = h.val();
    const value = h.nextArg() ? h.val() : '';
    const replacement = h.nextArg() ? h.val() : undefined;
    const err = applyHeaderOp(main, main, field, value, replacement);
    if (err) throw h.err(err);
    if (main.delete?.length) main.deferred = true;
  }

  while (h.nextBlock(0)) {
    let field = h.val();
    if (field === 'defer') {
      main.deferred = true;
      continue;
    }
    if (field === 'match') {
      const matchers: Record<string, ResponseMatcherJSON> = {};
      parseNamedResponseMatcher(h.newFromNextSegment(), matchers);
      main.require = matchers['match'];
      continue;
    }
    if (hasArgs) throw h.err('cannot specify headers in both arguments and block');

    // Users often write `Field:` as in a raw HTTP message or a curl command.
    field = field.replace(/:$/, '');
    const value = h.nextArg() ? h.val() : '';
    const replacement = h.nextArg() ? h.val() : undefined;
    const target = field.startsWith('?') ? withRequire : main;
    const err = applyHeaderOp(target, target, field, value, replacement);
    if (err) throw h.err(err);
  }

  const out: ConfigValue[] = [];
  const handler = (response: RespHeaderOps): HeadersConfig => ({ handler: 'headers', response: orderedHeaderOps(response) });
  if (!isEmptyHeaderOps(main)) out.push(...h.newRoute(matcherSet, handler(main)));
  if (!isEmptyHeaderOps(withRequire)) out.push(...h.newRoute(matcherSet, handler(withRequire)));
  return out;
});
