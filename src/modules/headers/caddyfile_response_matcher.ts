/**
 * Response matchers (`status`, `header`) as Caddy parses them for header's
 * and encode's `match` blocks and reverse_proxy's `@name` response matchers
 * (caddyhttp.ParseNamedResponseMatcher).
 */
import type { Dispenser } from '../../caddyfile/dispenser.js';
import { canonicalHeaderKey, type ResponseMatcherJSON } from './caddyfile_ops.js';

/**
 * Parses `header <field> [<value>]` lines into `headers` the way Caddy's
 * request header matcher does: `!field` requires absence (null), repeated
 * fields are OR'ed values.
 */
export function parseHeaderMatcherInto(d: Dispenser, headers: Record<string, string[] | null>): void {
  while (d.next()) {
    if (!d.nextArg()) throw d.err('malformed header matcher: expected field');
    let field = d.val();
    if (field.startsWith('!')) {
      if (field.length === 1) throw d.err('malformed header matcher: must have field name following ! character');
      field = field.slice(1);
      headers[field] = null;
      if (d.nextArg()) throw d.err('malformed header matcher: null matching headers cannot have a field value');
    } else {
      if (!d.nextArg()) throw d.err('malformed header matcher: expected both field and value');
      const key = canonicalHeaderKey(field);
      const list = headers[key];
      if (list) list.push(d.val());
      else headers[key] = [d.val()];
    }
    if (d.nextBlock(0)) throw d.err('malformed header matcher: blocks are not supported');
  }
}

/**
 * Parses one or more named response matchers from `d` (its first token is
 * the name, e.g. `match` or `@name`) into `matchers`.
 */
export function parseNamedResponseMatcher(d: Dispenser, matchers: Record<string, ResponseMatcherJSON>): void {
  while (d.next()) {
    const name = d.val();
    if (name in matchers) throw d.err(`matcher is defined more than once: ${name}`);
    const matcher: ResponseMatcherJSON = {};
    for (const nesting = d.getNesting(); d.nextArg() || d.nextBlock(nesting); ) {
      switch (d.val()) {
        case 'header': {
          // Reuses the request header matcher's syntax on just this line.
          const sub = d.newFromNextSegment();
          const headers = matcher.headers ?? {};
          parseHeaderMatcherInto(sub, headers);
          matcher.headers = headers;
          break;
        }
        case 'status': {
          matcher.status_code ??= [];
          const args = d.remainingArgs();
          if (args.length === 0) throw d.argErr();
          for (let arg of args) {
            if (arg.length === 3 && arg.endsWith('xx')) arg = arg.slice(0, 1);
            if (!/^[+-]?\d+$/.test(arg)) throw d.err(`bad status value '${arg}': strconv.Atoi: parsing ${JSON.stringify(arg)}: invalid syntax`);
            matcher.status_code.push(Number(arg));
          }
          break;
        }
        default:
          throw d.err(`unrecognized response matcher ${d.val()}`);
      }
    }
    matchers[name] = orderedResponseMatcher(matcher);
  }
}

/** Key order as Caddy marshals it. */
export function orderedResponseMatcher(m: ResponseMatcherJSON): ResponseMatcherJSON {
  const out: ResponseMatcherJSON = {};
  if (m.status_code !== undefined) out.status_code = m.status_code;
  if (m.headers !== undefined) out.headers = m.headers;
  return out;
}
