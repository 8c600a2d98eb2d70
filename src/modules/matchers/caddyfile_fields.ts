/**
 * Matchers keyed by a field: header, query, vars (value lists) and the
 * regexp matchers path_regexp, header_regexp, vars_regexp.
 */
import type { Dispenser } from '../../caddyfile/dispenser.js';
import { sortedKeys } from '../../go/json.js';
import { matcherName, matcherParser } from '../../adapt/matchers/registry.js';
import type { MatchHeaderConfig, MatchPathREConfig, MatchQueryConfig, MatchRegexpConfig, VarsMatcherConfig } from './config.js';

/** Go's textproto.CanonicalMIMEHeaderKey: `content-type` → `Content-Type`. */
export function canonicalHeaderKey(s: string): string {
  // Keys with spaces or other invalid token characters are left alone, like Go does.
  if (!/^[A-Za-z0-9!#$%&'*+\-.^_`|~]+$/.test(s)) return s;
  return s.toLowerCase().replace(/(^|-)([a-z])/g, (_m, sep: string, c: string) => sep + c.toUpperCase());
}

/** header [!]<field> [<value>] — several lines merge; `!field` means "absent" (null). */
export const headerSyntax = matcherParser('header', (d): MatchHeaderConfig => {
  const m: MatchHeaderConfig = {};
  while (d.next()) {
    const a = d.args(1);
    if (!a) throw d.err('malformed header matcher: expected field');
    let field = a[0]!;
    if (field.startsWith('!')) {
      if (field.length === 1) throw d.err('malformed header matcher: must have field name following ! character');
      field = field.slice(1);
      m[field] = null;
      if (d.nextArg()) throw d.err('malformed header matcher: null matching headers cannot have a field value');
    } else {
      if (!d.nextArg()) throw d.err('malformed header matcher: expected both field and value');
      const key = canonicalHeaderKey(field);
      m[key] = [...(m[key] ?? []), d.val()];
    }
    if (d.nextBlock(0)) throw d.err('malformed header matcher: blocks are not supported');
  }
  return sortedKeys(m);
});

/** query <key>=<val>... */
export const querySyntax = matcherParser('query', (d): MatchQueryConfig => {
  const m: Record<string, string[]> = {};
  while (d.next()) {
    for (const q of d.remainingArgs()) {
      if (q === '') continue;
      const eq = q.indexOf('=');
      if (eq < 0) throw d.err(`malformed query matcher token: ${d.val()}; must be in param=val format`);
      const k = q.slice(0, eq);
      (m[k] ??= []).push(q.slice(eq + 1));
    }
    if (d.nextBlock(0)) throw d.err('malformed query matcher: blocks are not supported');
  }
  return sortedKeys(m);
});

/** vars <variable> <values...> */
export const varsSyntax = matcherParser('vars', (d): VarsMatcherConfig => {
  const m: VarsMatcherConfig = {};
  while (d.next()) {
    const a = d.args(1);
    if (!a) throw d.err('malformed vars matcher: expected field name');
    const vals = d.remainingArgs();
    if (vals.length === 0) throw d.err('malformed vars matcher: expected at least one value to match against');
    (m[a[0]!] ??= []).push(...vals);
    if (d.nextBlock(0)) throw d.err('malformed vars matcher: blocks are not supported');
  }
  return sortedKeys(m);
});

function regexpJSON(name: string, pattern: string): MatchRegexpConfig {
  return name ? { name, pattern } : { pattern };
}

/** path_regexp [<name>] <regexp> */
export const pathRegexpSyntax = matcherParser('path_regexp', (d): MatchPathREConfig => {
  let re: MatchRegexpConfig | undefined;
  while (d.next()) {
    if (re) throw d.err('regular expression can only be used once per named matcher');
    const args = d.remainingArgs();
    let name = '';
    let pattern: string;
    if (args.length === 1) pattern = args[0]!;
    else if (args.length === 2) [name, pattern] = args as [string, string];
    else throw d.argErr();
    re = regexpJSON(name || matcherName(d), pattern);
    if (d.nextBlock(0)) throw d.err('malformed path_regexp matcher: blocks are not supported');
  }
  return re ?? { pattern: '' };
});

/** header_regexp / vars_regexp: [<name>] <field> <regexp> */
function fieldRegexp(kind: 'header_regexp' | 'vars_regexp') {
  return (d: Dispenser): Record<string, MatchRegexpConfig> => {
    const m: Record<string, MatchRegexpConfig> = {};
    while (d.next()) {
      const two = d.args(2);
      if (!two) throw d.argErr();
      let name = '';
      let field: string;
      let val: string;
      const third = d.args(1);
      if (third) [name, field, val] = [two[0]!, two[1]!, third[0]!];
      else [field, val] = [two[0]!, two[1]!];
      if (name === '') name = matcherName(d);
      if (kind === 'header_regexp' && m[field]) {
        throw d.err(`header_regexp matcher can only be used once per named matcher, per header field: ${field}`);
      }
      m[field] = regexpJSON(name, val);
      if (d.nextBlock(0)) throw d.err(`malformed ${kind} matcher: blocks are not supported`);
    }
    return sortedKeys(m);
  };
}

export const headerRegexpSyntax = matcherParser('header_regexp', fieldRegexp('header_regexp'));
export const varsRegexpSyntax = matcherParser('vars_regexp', fieldRegexp('vars_regexp'));
