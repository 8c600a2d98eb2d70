import type { EngineLog } from './log.js';
import type { Handler, Matcher } from './types.js';

import type { JSONObject } from '../go/json.js';
export type { JSONObject };

/**
 * What a module gets at provision time. Everything a handler needs per
 * request is decided here, once: placeholders compiled, regexes built, pools
 * created.
 */
export interface ProvisionEnv {
  /**
   * Compiles a nested route list (subroute, handle_errors, handle_response...);
   * `label` extends the error chain as Caddy words it ("setting up subroutes").
   */
  compileRoutes(routes: JSONObject[] | undefined, label?: string): Handler;
  /** Compiles a list of matcher sets (ORed) into one matcher; `undefined` matches everything. */
  compileMatcherSets(sets: JSONObject[] | undefined): Matcher;
  /** Registers a cleanup to run when this config is replaced or stopped (close pools, timers...). */
  onCleanup(fn: () => void | Promise<void>): void;
  /**
   * Registers what to do as soon as this config stops taking new requests
   * (replaced or stopped), before its running ones finish (cleanups wait for
   * those): reverse_proxy starts its stream_close_delay here.
   */
  onRetire?(fn: () => void): void;
  /** Files the config came from (file_server hides them). */
  readonly configFiles: string[];
  /**
   * The server's named routes, compiled (`invoke` runs them). Filled before the
   * server's routes compile; read at request time, so routes may invoke each other.
   */
  readonly namedRoutes?: ReadonlyMap<string, Handler>;
  /** The config's log, for what a module does on its own (active health probes); absent: silent. */
  readonly log?: EngineLog;
  /** The Runtime's environment (data directories); absent: process.env. */
  readonly env?: NodeJS.ProcessEnv;
  /** The config's top-level `storage` JSON (where the tls and pki apps keep certificates and CAs); undefined: the data directory. */
  readonly storage?: unknown;
}

/** Turns a handler's JSON config (`{handler: name, ...}`) into a Handler. Throws on invalid config. */
export type HandlerProvisioner = (config: JSONObject, env: ProvisionEnv) => Handler;
/** Turns one matcher's JSON value (e.g. the array of `path`) into a Matcher. */
export type MatcherProvisioner = (config: unknown, env: ProvisionEnv) => Matcher;

/**
 * An `http.handlers.*` module: `decode` checks the JSON and returns the
 * module's typed config (its config.ts), naming the JSON path of anything
 * wrong; `provision` turns that config into the request-time Handler. Both
 * run at load, never per request; `tsweb validate` runs them and starts
 * nothing.
 */
export interface HandlerModule<C = JSONObject> {
  readonly name: string;
  // Method syntax on purpose: a registry holds modules of many config types
  // as HandlerModule<unknown>, and each module's decode feeds its own provision.
  decode(json: JSONObject): C;
  provision(config: C, env: ProvisionEnv): Handler;
}

/** An `http.matchers.*` module; its JSON is the matcher's value (an array for `path`, an object for `header`...). */
export interface MatcherModule<C = unknown> {
  readonly name: string;
  decode(json: unknown): C;
  provision(config: C, env: ProvisionEnv): Matcher;
}

/** The two halves of a module whose config has a decoder. */
export interface ModuleSpec<J, C, R> {
  decode: (json: J) => C;
  provision: (config: C, env: ProvisionEnv) => R;
}

const asIs = <T>(v: T): T => v;

/** Declares a handler module; src/modules/define.ts registers it. */
export function handlerModule<C = JSONObject>(name: string, spec: ModuleSpec<JSONObject, C, Handler> | HandlerProvisioner): HandlerModule<C> {
  if (typeof spec === 'function') return { name, decode: asIs as (json: JSONObject) => C, provision: spec as unknown as (c: C, env: ProvisionEnv) => Handler };
  return { name, decode: spec.decode, provision: spec.provision };
}

/** Declares a matcher module; src/modules/define.ts registers it. */
export function matcherModule<C = unknown>(name: string, spec: ModuleSpec<unknown, C, Matcher> | MatcherProvisioner): MatcherModule<C> {
  if (typeof spec === 'function') return { name, decode: asIs as (json: unknown) => C, provision: spec as unknown as (c: C, env: ProvisionEnv) => Matcher };
  return { name, decode: spec.decode, provision: spec.provision };
}

// The registries hold modules of many config types; each module's decode feeds its own provision.
export const handlerModules = new Map<string, HandlerModule<unknown>>();
export const matcherModules = new Map<string, MatcherModule<unknown>>();

export function registerHandlerModule<C>(mod: HandlerModule<C>): void {
  if (handlerModules.has(mod.name)) throw new Error(`handler ${mod.name} registered twice`);
  handlerModules.set(mod.name, mod);
}

export function registerMatcherModule<C>(mod: MatcherModule<C>): void {
  if (matcherModules.has(mod.name)) throw new Error(`matcher ${mod.name} registered twice`);
  matcherModules.set(mod.name, mod);
}

/** A module whose JSON needs no decoding, registered directly (tests' own handlers). */
export function registerHandler(name: string, provision: HandlerProvisioner): void {
  registerHandlerModule(handlerModule(name, provision));
}

export function registerMatcher(name: string, provision: MatcherProvisioner): void {
  registerMatcherModule(matcherModule(name, provision));
}
