// Runs handler directives straight through their registered parsers over
// tokens from the real Caddyfile parser, without the site-block adapter
// (sorting, shorthands and server assembly are not involved here).
import '../../src/modules/index.js';
import { parseCaddyfile } from '../../src/caddyfile/parser.js';
import { CaddyfileError } from '../../src/caddyfile/errors.js';
import { Helper, type AdaptState } from '../../src/adapt/helper.js';
import { directives } from '../../src/adapt/registry.js';
import type { ConfigValue, MatcherSet, Warning } from '../../src/adapt/types.js';

export interface DirectiveRun {
  values: ConfigValue[];
  warnings: Warning[];
}

/** Adapts the directives in `body` (the inside of a `:80 { }` site block). */
export function runDirectives(body: string, matcherDefs: Record<string, MatcherSet> = {}): DirectiveRun {
  const [block] = parseCaddyfile('Caddyfile', `:80 {\n${body}\n}\n`, { env: {} });
  const shared: AdaptState = { options: {}, warnings: [], groupCounter: { n: 0 } };
  const values: ConfigValue[] = [];
  for (const seg of block!.segments) {
    const name = seg[0]!.text;
    const parse = directives.get(name);
    if (!parse) throw new Error(`no directive ${name}`);
    const h = new Helper([...seg], shared, matcherDefs, block, {});
    values.push(...parse(h));
  }
  return { values, warnings: shared.warnings };
}

/** The handler JSON of each route, flattened, for one-route-per-directive cases. */
export function handlers(body: string, matcherDefs?: Record<string, MatcherSet>): unknown[] {
  return runDirectives(body, matcherDefs).values.flatMap((v) => (v.value as { handle: unknown[] }).handle);
}

/** The Caddy-style reason of the error adapting `body` throws (without position). */
export function adaptError(body: string, matcherDefs?: Record<string, MatcherSet>): string {
  try {
    runDirectives(body, matcherDefs);
  } catch (e) {
    if (e instanceof CaddyfileError) return e.reason;
    throw e;
  }
  throw new Error('expected an error');
}
