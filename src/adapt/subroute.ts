/**
 * Turning directive results into route lists: parsing a block's
 * subdirectives as directives (handle, route, handle_errors, ...), sorting,
 * grouping mutually exclusive directives, and merging adjacent routes
 * (Caddy's parseSegmentAsConfig, buildSubroute, consolidateRoutes).
 */
import { Dispenser } from '../caddyfile/dispenser.js';
import { CaddyfileError } from '../caddyfile/errors.js';
import type { Token } from '../caddyfile/token.js';
import { parseMatcherDefinition } from './matchers/index.js';
import { Helper } from './helper.js';
import { directiveOrderOf, isRouteList, sortRoutes } from './order.js';
import { directives } from './registry.js';
import { suggestDirective } from './suggest.js';
import type { ConfigValue, HandlerJSON, MatcherSet, RouteJSON } from './types.js';

/** `handle_path` sorts with `handle` (caddy#3675). */
export function normalizeDirectiveName(dir: string): string {
  return dir === 'handle_path' ? 'handle' : dir;
}

/** Prefixes an error from a directive parser the way Caddy wraps it, keeping its position. */
export function wrapDirectiveError(e: unknown, prefix: string, at?: Token): Error {
  if (e instanceof CaddyfileError) {
    return new CaddyfileError(`${prefix}${e.reason}`, e.file, e.line, e.col, e.imports);
  }
  if (e instanceof Error && at) return CaddyfileError.at(at, `${prefix}${e.message}`);
  return new Error(`${prefix}${e instanceof Error ? e.message : String(e)}`);
}

/** Runs one directive's parser on its segment and tags the results with the (normalized) directive name. */
export function evalDirective(h: Helper, dir: string, segment: Token[]): ConfigValue[] {
  const parse = directives.get(dir)!;
  const sub = new Helper(segment, h.shared, h.matcherDefs, h.parentBlock, h.state);
  let results: ConfigValue[];
  try {
    results = parse(sub);
  } catch (e) {
    throw wrapDirectiveError(e, `parsing caddyfile tokens for '${dir}': `, segment[0]);
  }
  const name = normalizeDirectiveName(dir);
  for (const r of results) r.directive = name;
  return results;
}

/**
 * Caddy's parseSegmentAsConfig: the current segment's block holds
 * directives (and matcher definitions scoped to it); returns their results.
 */
export function parseSegmentAsConfig(h: Helper): ConfigValue[] {
  const all: ConfigValue[] = [];
  while (h.next()) {
    // only a matcher (already taken out) may follow the directive name
    if (h.nextArg()) throw h.argErr();

    const segments: Token[][] = [];
    for (const n = h.getNesting(); h.nextBlock(n); ) segments.push(h.nextSegment());

    // matchers defined in this scope add to (and may shadow) the outer ones
    const matcherDefs: Record<string, MatcherSet> = { ...h.matcherDefs };
    const dirSegments: Token[][] = [];
    for (const seg of segments) {
      if (seg[0]!.text.startsWith('@')) parseMatcherDefinition(new Dispenser(seg), matcherDefs);
      else dirSegments.push(seg);
    }
    const scoped = new Helper(h.tokens, h.shared, matcherDefs, h.parentBlock, h.state);

    for (const seg of dirSegments) {
      const dir = seg[0]!.text;
      if (!directives.has(dir)) {
        throw h.err(`unrecognized directive: ${dir}${suggestDirective(dir)} - are you sure your Caddyfile structure (nesting and braces) is correct?`);
      }
      let results: ConfigValue[];
      try {
        results = evalDirective(scoped, dir, seg);
      } catch (e) {
        // Caddy wraps twice here (once in the directive, once for the enclosing block).
        throw e instanceof CaddyfileError ? e : wrapDirectiveError(e, '', seg[0]);
      }
      all.push(...results);
    }
  }
  return all;
}

/** Group name dispenser shared by one adaptation (group0, group1, ...). */
export function nextGroup(counter: { n: number }): string {
  return `group${counter.n++}`;
}

/**
 * Caddy's buildSubroute: sorts by directive order (if asked), puts
 * mutually exclusive directives (several handle/root, any rewrite) into
 * groups, flattens route lists and merges adjacent equivalent routes.
 */
export function buildSubroute(
  values: ConfigValue[],
  counter: { n: number },
  needsSorting: boolean,
  options: Record<string, unknown>,
): RouteJSON[] {
  if (needsSorting) {
    const order = directiveOrderOf(options);
    for (const v of values) {
      if (!order.includes(v.directive ?? '')) {
        throw new Error(
          `directive '${v.directive}' is not an ordered HTTP handler, so it cannot be used here - try placing within a route block or using the order global option`,
        );
      }
    }
    sortRoutes(values, order);
  }

  // Sorted names keep group numbers deterministic. `rewrite` always gets a
  // group, even alone, so it never merges into a neighbouring route with the
  // same matcher (the rewritten request may no longer match it; caddy#3108).
  const groups = new Map<string, string>();
  for (const dir of ['handle', 'rewrite', 'root']) {
    let count = 0;
    for (const v of values) if (v.directive === dir && ++count > 1) break;
    if (count > 1 || dir === 'rewrite') groups.set(dir, nextGroup(counter));
  }

  const routes: RouteJSON[] = [];
  for (const v of values) {
    if (isRouteList(v.value)) {
      routes.push(...v.value.routes);
      continue;
    }
    let route = v.value as RouteJSON;
    if (v.directive === 'handle' || v.directive === 'rewrite' || v.directive === 'root') {
      // Routes are shared between servers, so the group goes on a copy; a
      // lone handle or root gets no group (and loses any it had), as in Caddy.
      route = withGroup(route, groups.get(v.directive));
    }
    routes.push(route);
  }
  return consolidateRoutes(routes);
}

function withGroup(r: RouteJSON, group: string | undefined): RouteJSON {
  const out: RouteJSON = {};
  if (group) out.group = group;
  if (r.match !== undefined) out.match = r.match;
  if (r.handle !== undefined) out.handle = r.handle;
  if (r.terminal !== undefined) out.terminal = r.terminal;
  return out;
}

/** Structural equality of JSON values (object key order ignored). */
export function jsonEqual(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (typeof a !== typeof b || a === null || b === null || typeof a !== 'object') return false;
  if (Array.isArray(a) !== Array.isArray(b)) return false;
  if (Array.isArray(a)) {
    const bb = b as unknown[];
    return a.length === bb.length && a.every((x, i) => jsonEqual(x, bb[i]));
  }
  const ka = Object.keys(a as object).filter((k) => (a as Record<string, unknown>)[k] !== undefined);
  const kb = Object.keys(b as object).filter((k) => (b as Record<string, unknown>)[k] !== undefined);
  if (ka.length !== kb.length) return false;
  return ka.every((k) => jsonEqual((a as Record<string, unknown>)[k], (b as Record<string, unknown>)[k]));
}

const noMatch = (m: MatcherSet[] | undefined) => !m || m.length === 0;

/** Caddy's consolidateRoutes: adjacent routes with equal matchers, terminal and group share one route. */
export function consolidateRoutes(routes: RouteJSON[]): RouteJSON[] {
  const out: RouteJSON[] = [];
  for (const r of routes) {
    const prev = out[out.length - 1];
    if (
      prev &&
      (noMatch(prev.match) ? noMatch(r.match) : jsonEqual(prev.match, r.match)) &&
      !!prev.terminal === !!r.terminal &&
      (prev.group ?? '') === (r.group ?? '')
    ) {
      out[out.length - 1] = withHandlers(prev, [...(prev.handle ?? []), ...(r.handle ?? [])]);
      continue;
    }
    out.push(r);
  }
  return out;
}

function withHandlers(r: RouteJSON, handle: RouteJSON['handle']): RouteJSON {
  const out = withGroup(r, r.group);
  if (handle && handle.length) out.handle = handle;
  else delete out.handle;
  if (r.terminal !== undefined) {
    delete out.terminal;
    out.terminal = r.terminal;
  }
  return out;
}

/** A subroute handler as Caddy marshals it (`routes` omitted when empty). */
export function subrouteHandler(routes: RouteJSON[], errors?: RouteJSON[]): HandlerJSON {
  const h: HandlerJSON = { handler: 'subroute' };
  if (routes.length) h.routes = routes;
  if (errors?.length) h.errors = { routes: errors };
  return h;
}

/** Caddy's ParseSegmentAsSubroute, installed as the AdaptState hook. */
export function parseSegmentAsSubroute(h: Helper): HandlerJSON {
  const values = parseSegmentAsConfig(h);
  return subrouteHandler(buildSubroute(values, h.shared.groupCounter, true, h.shared.options));
}
