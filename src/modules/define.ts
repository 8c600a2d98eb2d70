/**
 * Where a module folder's two halves meet: its Caddyfile syntax (adapter
 * side) and its runtime (decoder + provision). A module's index.ts calls
 * defineModule once; src/modules/index.ts lists every module's index.ts.
 *
 * Neither half imports the other: caddyfile.ts knows the config type only as
 * a type, handler.ts never sees a token. Only the composition roots (the
 * CLI, the conformance script, the tests' setup) import src/modules/index.ts,
 * so the runtime (src/runtime, src/apps) never pulls in the adapter.
 */
import { type DirectiveDef, registerDirective } from '../adapt/registry.js';
import { type MatcherParserDef, registerMatcher as registerMatcherParser } from '../adapt/matchers/registry.js';
import { registerDirectiveOrder } from '../adapt/order.js';
import { type HandlerModule, type MatcherModule, registerHandlerModule, registerMatcherModule } from '../core/registry.js';

/** Where a directive Caddy does not have runs, relative to a standard one (Caddy's RegisterDirectiveOrder). */
export interface DirectiveOrder {
  directive: string;
  position: 'before' | 'after';
  standard: string;
}

export interface ModuleDefinition {
  /** Caddyfile directives the module parses (site-block level). */
  readonly directives?: readonly DirectiveDef[];
  /** Places for directives outside Caddy's standard order. */
  readonly order?: readonly DirectiveOrder[];
  /** Caddyfile syntax of request matchers (`@name path /x`). */
  readonly matcherParsers?: readonly MatcherParserDef[];
  /** http.handlers.* runtime modules. */
  readonly handlers?: readonly HandlerModule<unknown>[];
  /** http.matchers.* runtime modules. */
  readonly matchers?: readonly MatcherModule<unknown>[];
}

export function defineModule(def: ModuleDefinition): void {
  for (const d of def.directives ?? []) registerDirective(d.name, d.parse);
  for (const o of def.order ?? []) registerDirectiveOrder(o.directive, o.position, o.standard);
  for (const m of def.matcherParsers ?? []) registerMatcherParser(m.name, m.parse);
  for (const h of def.handlers ?? []) registerHandlerModule(h);
  for (const m of def.matchers ?? []) registerMatcherModule(m);
}
