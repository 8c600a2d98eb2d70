import { Dispenser } from '../caddyfile/dispenser.js';
import type { ServerBlock } from '../caddyfile/parser.js';
import type { Token } from '../caddyfile/token.js';
import type { ConfigValue, HandlerJSON, JSONObject, MatcherSet, RouteJSON, Warning } from './types.js';

/** State shared by every Helper of one adaptation. */
export interface AdaptState {
  options: Record<string, unknown>;
  warnings: Warning[];
  groupCounter: { n: number };
  /**
   * Parses the current segment's block as a list of directives, sorted like a
   * site block, into a subroute handler. Installed by the server-block adapter
   * (it owns directive order and sorting); used by handle, route, handle_path, ...
   */
  parseSegmentAsSubroute?: (h: Helper) => HandlerJSON;
  /** Parses a matcher block's body into a matcher set (installed by the matcher module). */
  parseMatcherSet?: (h: Helper) => MatcherSet;
}

/**
 * A Dispenser plus what directive parsers need from the surrounding site block
 * (Caddy's httpcaddyfile.Helper).
 */
export class Helper extends Dispenser {
  /** Per-site-block scratch space that directives may share. */
  state: Record<string, unknown>;

  constructor(
    tokens: Token[],
    readonly shared: AdaptState,
    readonly matcherDefs: Record<string, MatcherSet>,
    readonly parentBlock: ServerBlock | undefined,
    state?: Record<string, unknown>,
  ) {
    super(tokens);
    this.state = state ?? {};
  }

  get warnings(): Warning[] {
    return this.shared.warnings;
  }

  option(name: string): unknown {
    return this.shared.options[name];
  }

  warn(message: string): void {
    const t = this.token();
    this.shared.warnings.push({ file: t?.file, line: t?.line, message });
  }

  /** A helper over other tokens (e.g. a nested segment) sharing this one's context. */
  withDispenser(d: Dispenser): Helper {
    return new Helper(d.tokens, this.shared, this.matcherDefs, this.parentBlock, this.state);
  }

  /**
   * If the next argument is a matcher token, returns [matcherSet, true];
   * `*` gives [null, true] (match everything).
   */
  matcherToken(): [MatcherSet | null, boolean] {
    if (!this.nextArg()) return [null, false];
    return matcherSetFromToken(this.token()!, this.matcherDefs);
  }

  /** Takes a leading matcher token out of this segment and rewinds to the start. */
  extractMatcherSet(): MatcherSet | null {
    const [set, has] = this.matcherToken();
    if (has) this.delete();
    this.reset();
    return set;
  }

  newRoute(matcherSet: MatcherSet | null, handler: HandlerJSON): ConfigValue[] {
    const route: RouteJSON = { handle: [handler] };
    if (matcherSet) route.match = [matcherSet];
    return [{ class: 'route', value: reorderRoute(route) }];
  }

  /** Puts 2+ routes into one mutually exclusive group (`handle` semantics). */
  groupRoutes(vals: ConfigValue[]): void {
    const routes = vals.filter((v) => v.class === 'route');
    if (routes.length < 2) return;
    const group = `group${this.shared.groupCounter.n++}`;
    for (const v of routes) (v.value as RouteJSON).group = group;
  }

  newBindAddresses(addrs: string[]): ConfigValue[] {
    return [{ class: 'bind', value: addrs }];
  }

  parseSegmentAsSubroute(): HandlerJSON {
    if (!this.shared.parseSegmentAsSubroute) throw new Error('subroute parsing is not installed');
    return this.shared.parseSegmentAsSubroute(this);
  }

  json(v: unknown): JSONObject {
    return v as JSONObject;
  }
}

/** `*` → all, `/x` → path matcher, `@name` → a defined matcher set. */
export function matcherSetFromToken(t: Token, defs: Record<string, MatcherSet>): [MatcherSet | null, boolean] {
  if (t.text === '*') return [null, true];
  if (t.text.startsWith('/')) return [{ path: [t.text] }, true];
  if (t.text.startsWith('@')) {
    const m = defs[t.text];
    if (!m) {
      const err = new Dispenser([t]);
      err.next();
      throw err.err(`unrecognized matcher name: ${t.text}`);
    }
    return [m, true];
  }
  return [null, false];
}

/** Key order as Caddy's Route struct marshals it (group, match, handle, terminal). */
function reorderRoute(r: RouteJSON): RouteJSON {
  const out: RouteJSON = {};
  if (r.group !== undefined) out.group = r.group;
  if (r.match !== undefined) out.match = r.match;
  if (r.handle !== undefined) out.handle = r.handle;
  if (r.terminal !== undefined) out.terminal = r.terminal;
  return out;
}
