/**
 * Caddy's route list (modules/caddyhttp/routes.go), compiled once:
 *
 * - a route runs when any of its matcher sets matches (sets are ORed, the
 *   matchers inside a set ANDed; no `match` matches everything);
 * - its handlers are chained, each getting `next` = the rest of the chain;
 * - after its last handler the chain continues with the next route, unless
 *   the route is `terminal`;
 * - of the routes sharing a `group`, only the first that matches runs
 *   (that is how `handle` blocks exclude each other), per request;
 * - the end of the list calls the outer `next`.
 *
 * Everything is decided here; per request the list is walked by index with
 * one small closure per step.
 */
import { errorEnd } from '../../core/errors.js';
import { ProvisionError, type ProvisionScope } from './provision.js';
import { compileMatcherSets } from './matcher_sets.js';
import { handlerModules, type JSONObject, matcherModules, type ProvisionEnv } from '../../core/registry.js';
import type { Ctx, Handler, Matcher, Next } from '../../core/types.js';

interface CompiledRoute {
  /** null: matches every request (no call at all). */
  match: Matcher | null;
  group: string;
  terminal: boolean;
  chain: Handler;
}

import { isObject as isObj } from '../../go/json.js';

/**
 * Groups already satisfied, per request (ctx.groups). Caddy keeps this map
 * in the request context for the whole request, so a group name is
 * exclusive across nested subroutes too (the adapter numbers groups
 * uniquely per server).
 */
function groupsOf(ctx: Ctx): Set<string> {
  return (ctx.groups ??= new Set());
}

/** A terminal route ends the chain: nothing more, or, in error routes, the error's status. */
const endChain: Next = () => Promise.resolve();


/**
 * `next` may run the rest of the chain once. A handler calling it twice
 * would run later handlers (and write the response) twice; the second call
 * fails instead, which the server turns into a logged 500.
 */
function once(fn: Next): Next {
  let called = false;
  return () => {
    if (called) return Promise.reject(new Error('handler called next() more than once'));
    called = true;
    return fn();
  };
}

/** Handlers in order, each wrapping the rest; a synchronous throw becomes a rejection. */
export function composeHandlers(handlers: readonly Handler[]): Handler {
  const n = handlers.length;
  if (n === 0) return (_ctx, next) => next();
  return (ctx, next) => {
    const run = (i: number): Promise<void> => {
      if (i === n) return next();
      try {
        return handlers[i]!(ctx, once(() => run(i + 1)));
      } catch (err) {
        return Promise.reject(err);
      }
    };
    return run(0);
  };
}

/**
 * Matcher sets, ORed, their matchers ANDed (matchers/sets.ts); null when
 * there are none, so a route that matches everything costs no call.
 */
export function compileMatcherSetList(sets: unknown, scope: ProvisionScope, where: readonly string[]): Matcher | null {
  if (sets === undefined || sets === null || (Array.isArray(sets) && sets.length === 0)) return null;
  try {
    return compileMatcherSets(sets, (name, config) => provisionMatcher(name, config, scope, where));
  } catch (err) {
    if (err instanceof ProvisionError) throw err;
    throw new ProvisionError([...where, err instanceof Error ? err.message : String(err)], err);
  }
}

/**
 * A route list as one Handler. Like Caddy's provisioning, every route's
 * matchers are set up before any route's handlers, so the first error
 * reported is the one Caddy reports. `instrument` wraps each route's chain
 * (the server's metrics; absent, nothing is wrapped).
 */
export function compileRouteList(
  routes: unknown,
  scope: ProvisionScope,
  where: readonly string[],
  handlersWhere: readonly string[] = where,
  instrument?: (chain: Handler, route: JSONObject) => Handler,
): Handler {
  if (routes === undefined || routes === null) return (_ctx, next) => next();
  if (!Array.isArray(routes)) throw new ProvisionError([...where, 'routes must be an array']);
  const matchers = routes.map((route, i) => {
    if (!isObj(route)) throw new ProvisionError([...where, `route ${i}`, 'a route must be an object']);
    return compileMatcherSetList(route.match, scope, [...where, `route ${i}`, 'loading matcher modules']);
  });
  const compiled: CompiledRoute[] = routes.map((route: JSONObject, i) => {
    const at = [...handlersWhere, `route ${i}`, 'loading handler modules'];
    const handle = route.handle ?? [];
    if (!Array.isArray(handle)) throw new ProvisionError([...at, '"handle" must be an array of handlers']);
    const handlers = handle.map((h, j) => provisionHandler(h, scope, [...at, `position ${j}`]));
    return {
      match: matchers[i]!,
      group: typeof route.group === 'string' ? route.group : '',
      terminal: route.terminal === true,
      chain: instrument === undefined ? composeHandlers(handlers) : instrument(composeHandlers(handlers), route),
    };
  });
  return routeListHandler(compiled);
}

function routeListHandler(routes: readonly CompiledRoute[]): Handler {
  const n = routes.length;
  if (n === 0) return (_ctx, next) => next();
  return (ctx, next) => {
    const step = (from: number): Promise<void> => {
      try {
        for (let i = from; i < n; i++) {
          const r = routes[i]!;
          if (r.match !== null && !r.match(ctx)) continue;
          if (r.group !== '') {
            const groups = groupsOf(ctx);
            if (groups.has(r.group)) continue;
            groups.add(r.group);
          }
          const after: Next = r.terminal ? (ctx.error ? () => errorEnd(ctx) : endChain) : () => step(i + 1);
          return r.chain(ctx, after);
        }
        return next();
      } catch (err) {
        // A matcher may throw (Caddy's MatchWithError): the error routes handle it.
        return Promise.reject(err);
      }
    };
    return step(0);
  };
}

// Provisioning one module, with the chain of where it sits. Here, beside the
// route compiler, because each needs the other: routes provision handlers,
// and a handler's env compiles nested routes.

/** The env a module at `where` gets: nested compiles continue its chain. */
export function makeEnv(scope: ProvisionScope, where: readonly string[]): ProvisionEnv {
  return {
    compileRoutes: (routes, label) => compileRouteList(routes, scope, label === undefined ? where : [...where, label]),
    compileMatcherSets: (sets) => compileMatcherSetList(sets, scope, where) ?? matchAll,
    onCleanup: (fn) => void scope.cleanups.push(fn),
    onRetire: (fn) => void scope.retirers.push(fn),
    configFiles: scope.configFiles,
    namedRoutes: scope.namedRoutes,
    log: scope.log,
    env: scope.env,
    storage: scope.storage,
  };
}

const matchAll: Matcher = () => true;

/** Errors thrown inside a module's provision step keep their chain; others get ours. */
function wrap(err: unknown, chain: readonly string[]): ProvisionError {
  if (err instanceof ProvisionError) return err;
  return new ProvisionError([...chain, err instanceof Error ? err.message : String(err)], err);
}

export function provisionHandler(config: unknown, scope: ProvisionScope, where: readonly string[]): Handler {
  if (!isObj(config)) throw new ProvisionError([...where, 'a handler must be an object']);
  const name = config.handler;
  if (typeof name !== 'string' || name === '') {
    throw new ProvisionError([...where, `module name not specified with key 'handler' in ${goMap(config)}`]);
  }
  const at = [...where, `loading module '${name}'`];
  const mod = handlerModules.get(name);
  if (!mod) {
    // Caddy's own modules that tsweb has not written yet get a message that says so.
    throw new ProvisionError([...at, `unknown module: http.handlers.${name}`]);
  }
  const inner = [...at, `provision http.handlers.${name}`];
  try {
    return mod.provision(mod.decode(config), makeEnv(scope, inner));
  } catch (err) {
    throw wrap(err, inner);
  }
}

export function provisionMatcher(name: string, config: unknown, scope: ProvisionScope, where: readonly string[]): Matcher {
  const at = [...where, `module name '${name}'`];
  const mod = matcherModules.get(name);
  if (!mod) {
    throw new ProvisionError([...at, `unknown module: http.matchers.${name}`]);
  }
  const inner = [...at, `provision http.matchers.${name}`];
  try {
    return mod.provision(mod.decode(config), makeEnv(scope, inner));
  } catch (err) {
    throw wrap(err, inner);
  }
}

/** Go's `%v` of a small map, as in "module name not specified with key 'handler' in map[...]". */
function goMap(o: JSONObject): string {
  const show = (v: unknown): string => (isObj(v) ? goMap(v) : Array.isArray(v) ? `[${v.map(show).join(' ')}]` : String(v));
  return `map[${Object.keys(o).sort().map((k) => `${k}:${show(o[k])}`).join(' ')}]`;
}
