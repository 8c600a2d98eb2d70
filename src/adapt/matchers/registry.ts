/**
 * Caddyfile unmarshalers of request matchers (Caddy's `http.matchers.*`
 * modules). Each parser gets a Dispenser over all the segments of its matcher
 * in one matcher set (several `path` lines are concatenated, as Caddy does)
 * and returns the matcher's JSON value.
 */
import type { Dispenser } from '../../caddyfile/dispenser.js';

export type MatcherParser = (d: Dispenser) => unknown;

export const matchers = new Map<string, MatcherParser>();

/** Dispenser context key holding the name of the matcher being defined (without `@`). */
export const MATCHER_NAME_CTX_KEY = 'matcher_name';

/** A matcher's Caddyfile syntax as a module declares it; registered by src/modules/define.ts. */
export interface MatcherParserDef {
  readonly name: string;
  readonly parse: MatcherParser;
}

export function matcherParser(name: string, parse: MatcherParser): MatcherParserDef {
  return { name, parse };
}

export function registerMatcher(name: string, parse: MatcherParser): void {
  if (matchers.has(name)) throw new Error(`matcher ${name} registered twice`);
  matchers.set(name, parse);
}

/** The enclosing named matcher's name, the default name of regexp captures. */
export function matcherName(d: Dispenser): string {
  const v = d.context.get(MATCHER_NAME_CTX_KEY);
  return typeof v === 'string' ? v : '';
}
