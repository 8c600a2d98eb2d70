/**
 * Matcher sets: named matcher definitions (`@name ...`) and nested sets
 * (`not { ... }`). Several lines of the same matcher within one set are
 * concatenated and parsed together, so they merge (two `path` lines become
 * one path matcher) instead of overwriting each other.
 */
import { Dispenser } from '../../caddyfile/dispenser.js';
import { CaddyfileError } from '../../caddyfile/errors.js';
import type { Token } from '../../caddyfile/token.js';
import type { MatcherSet } from '../types.js';
import { MATCHER_NAME_CTX_KEY, matchers } from './registry.js';

function unmarshalMatcher(name: string, tokens: Token[], definitionName: string | undefined, at: Token | undefined): unknown {
  const parse = matchers.get(name);
  if (!parse) throw CaddyfileError.at(at, `getting matcher module '${name}': module not registered: http.matchers.${name}`);
  const d = new Dispenser(tokens);
  if (definitionName !== undefined) d.context.set(MATCHER_NAME_CTX_KEY, definitionName);
  return parse(d);
}

/** Collects `<matcher> <args...>` segments (on the current line or in the block), grouped by matcher name. */
function collectSegments(d: Dispenser): Map<string, Token[]> {
  const byName = new Map<string, Token[]>();
  for (const nesting = d.getNesting(); d.nextArg() || d.nextBlock(nesting); ) {
    const name = d.val();
    const seg = d.nextSegment();
    const list = byName.get(name);
    if (list) list.push(...seg);
    else byName.set(name, seg);
  }
  return byName;
}

/** Matcher JSON keyed by name, keys sorted as Go marshals a module map. */
function sortedSet(entries: [string, unknown][]): MatcherSet {
  entries.sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  return Object.fromEntries(entries);
}

/** Caddy's ParseCaddyfileNestedMatcherSet: the cursor is on the token before the matchers. */
export function parseNestedMatcherSet(d: Dispenser): MatcherSet {
  const entries: [string, unknown][] = [];
  const byName = collectSegments(d);
  for (const [name, tokens] of byName) {
    if (!matchers.has(name)) {
      throw d.err(`getting matcher module '${name}': module not registered: http.matchers.${name}`);
    }
    entries.push([name, unmarshalMatcher(name, tokens, undefined, tokens[0])]);
  }
  return sortedSet(entries);
}

/**
 * Caddy's parseMatcherDefinitions for one `@name ...` segment: one-line
 * (`@name path /x`), block (`@name { ... }`), or a quoted first argument,
 * which is a CEL expression (`@name \`path('/x')\``).
 */
export function parseMatcherDefinition(d: Dispenser, defs: Record<string, MatcherSet>): void {
  d.next();
  const definitionName = d.val();
  if (Object.hasOwn(defs, definitionName)) throw d.err(`matcher is defined more than once: ${definitionName}`);
  const bareName = definitionName.slice(1);

  if (d.nextArg()) {
    const t = d.token()!;
    if (t.quoted) {
      // The expression token stands alone; give it a matcher name token on the same line.
      const exprName: Token = { ...t, text: 'expression', quoted: '' };
      defs[definitionName] = { expression: unmarshalMatcher('expression', [exprName, t], bareName, t) };
      return;
    }
    d.prev();
  }

  const entries: [string, unknown][] = [];
  for (const [name, tokens] of collectSegments(d)) {
    entries.push([name, unmarshalMatcher(name, tokens, bareName, tokens[0])]);
  }
  defs[definitionName] = sortedSet(entries);
}
