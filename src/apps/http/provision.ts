/**
 * Turning module JSON into compiled functions, with Caddy's error chain:
 * a failure deep in the tree reads "route 0: loading handler modules:
 * position 1: loading module 'subroute': provision http.handlers.subroute:
 * route 2: ..." so the user can find the object at fault.
 */
import { knownHandlers, knownMatchers } from '../../runtime/validate.js';
import { handlerModules, type JSONObject, matcherModules, type ProvisionEnv } from '../../core/registry.js';
import { compileMatcherSetList, compileRouteList } from './routes.js';
import type { Handler, Matcher } from '../../core/types.js';

/** A config the engine cannot run; the message is the whole chain. */
export class ProvisionError extends Error {
  override name = 'ProvisionError';
  constructor(chain: readonly string[], cause?: unknown) {
    super(chain.join(': '), cause === undefined ? undefined : { cause });
  }
}

/** What every module provisioned for one config shares. */
export interface ProvisionScope {
  readonly configFiles: string[];
  readonly cleanups: Array<() => void | Promise<void>>;
  /** The server's named routes (filled before its routes compile; invoke looks up at request time). */
  readonly namedRoutes: Map<string, Handler>;
}

export function newScope(configFiles: string[] = []): ProvisionScope {
  return { configFiles, cleanups: [], namedRoutes: new Map() };
}

/** Same scope, a different server: named routes are per server in Caddy. */
export function serverScope(parent: ProvisionScope): ProvisionScope {
  return { configFiles: parent.configFiles, cleanups: parent.cleanups, namedRoutes: new Map() };
}

const isObj = (v: unknown): v is JSONObject => v !== null && typeof v === 'object' && !Array.isArray(v);

/** The env a module at `where` gets: nested compiles continue its chain. */
export function makeEnv(scope: ProvisionScope, where: readonly string[]): ProvisionEnv {
  return {
    compileRoutes: (routes) => compileRouteList(routes, scope, where),
    compileMatcherSets: (sets) => compileMatcherSetList(sets, scope, where) ?? matchAll,
    onCleanup: (fn) => void scope.cleanups.push(fn),
    configFiles: scope.configFiles,
    namedRoutes: scope.namedRoutes,
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
    throw new ProvisionError([...where, `module name not specified with key 'handler' in ${JSON.stringify(config)}`]);
  }
  const at = [...where, `loading module '${name}'`];
  const mod = handlerModules.get(name);
  if (!mod) {
    // Caddy's own modules that tsweb has not written yet get a message that says so.
    throw new ProvisionError([...at, knownHandlers.has(name) ? `handler '${name}' is not implemented in tsweb yet` : `unknown module: http.handlers.${name}`]);
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
    throw new ProvisionError([...at, knownMatchers.has(name) ? `matcher '${name}' is not implemented in tsweb yet` : `unknown module: http.matchers.${name}`]);
  }
  const inner = [...at, `provision http.matchers.${name}`];
  try {
    return mod.provision(mod.decode(config), makeEnv(scope, inner));
  } catch (err) {
    throw wrap(err, inner);
  }
}
