import type { Handler, Matcher } from './types.js';

// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type JSONObject = Record<string, any>;

/**
 * What a module gets at provision time. Everything a handler needs per
 * request is decided here, once: placeholders compiled, regexes built, pools
 * created.
 */
export interface ProvisionEnv {
  /** Compiles a nested route list (subroute, handle_errors, handle_response...). */
  compileRoutes(routes: JSONObject[] | undefined): Handler;
  /** Compiles a list of matcher sets (ORed) into one matcher; `undefined` matches everything. */
  compileMatcherSets(sets: JSONObject[] | undefined): Matcher;
  /** Registers a cleanup to run when this config is replaced or stopped (close pools, timers...). */
  onCleanup(fn: () => void | Promise<void>): void;
  /** Files the config came from (file_server hides them). */
  readonly configFiles: string[];
  /**
   * The server's named routes, compiled (`invoke` runs them). Filled before the
   * server's routes compile; read at request time, so routes may invoke each other.
   */
  readonly namedRoutes?: ReadonlyMap<string, Handler>;
}

/** Turns a handler's JSON config (`{handler: name, ...}`) into a Handler. Throws on invalid config. */
export type HandlerProvisioner = (config: JSONObject, env: ProvisionEnv) => Handler;
/** Turns one matcher's JSON value (e.g. the array of `path`) into a Matcher. */
export type MatcherProvisioner = (config: unknown, env: ProvisionEnv) => Matcher;

export const handlerModules = new Map<string, HandlerProvisioner>();
export const matcherModules = new Map<string, MatcherProvisioner>();

/** One module per file registers itself, as Caddy's modules do. */
export function registerHandler(name: string, provision: HandlerProvisioner): void {
  if (handlerModules.has(name)) throw new Error(`handler ${name} registered twice`);
  handlerModules.set(name, provision);
}

export function registerMatcher(name: string, provision: MatcherProvisioner): void {
  if (matcherModules.has(name)) throw new Error(`matcher ${name} registered twice`);
  matcherModules.set(name, provision);
}
