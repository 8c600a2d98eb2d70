/**
 * Apps, as Caddy has them (caddy.App): the top-level units of a config
 * (`apps.http`, `apps.tls`, ...). The Runtime provisions every app of a new
 * config beside the running ones, starts them, swaps, then stops and cleans
 * up the old ones. An app registers once with its name; the Runtime knows
 * no app by name.
 */
import type { EngineLog } from './log.js';

export interface StopOptions {
  /** The process is exiting (not a reload): apps honour shutdown delays and log their last words. */
  readonly exiting: boolean;
}

export interface App {
  /**
   * Starts serving. Apps start in registration order, so an app whose start
   * is the switch to the new config (http hands its sockets over) starts last.
   * A failure leaves the running config untouched: the Runtime stops and
   * cleans up the apps of the new config already started.
   */
  start(): Promise<void>;
  /** Stops serving gracefully: resolves once its running work has finished or its grace period ran out. */
  stop(opts: StopOptions): Promise<void>;
  /** Releases what provision made (pools, timers, files); called after stop, or instead of start on a failed load. */
  cleanup(): Promise<void>;
}

export interface AppContext {
  /** The new config's logs (its `logging`). */
  readonly log: EngineLog;
  /** The Runtime's log: whichever config is serving when the line is written. */
  readonly runtimeLog: EngineLog;
  readonly env: NodeJS.ProcessEnv;
  /** Files the config came from (file_server hides them). */
  readonly configFiles: readonly string[];
  /** True for `tsweb validate`: provision everything, start nothing, say nothing. */
  readonly validating: boolean;
  /** The config's top-level `storage` JSON (certificates, accounts, locks); undefined: the data directory. */
  readonly storage?: unknown;
  /**
   * State that outlives one config, kept by the Runtime for its whole life
   * (the listener sockets, later the certificate cache): made once per key.
   */
  shared<T>(key: string, make: () => T): T;
}

/** AppContext.shared over a map its owner keeps (the Runtime's for its life; validate's for one check). */
export function sharedIn(map: Map<string, unknown>): AppContext['shared'] {
  return <T>(key: string, make: () => T): T => {
    if (!map.has(key)) map.set(key, make());
    return map.get(key) as T;
  };
}

export interface AppModule {
  /** The key under `apps`. */
  readonly name: string;
  /** Checks `apps[name]` and builds the app beside the running one: no sockets, no timers. Throws with Caddy's chain. */
  provision(json: unknown, ctx: AppContext): App;
}

/** Apps in registration order (the order they start in). */
export const appModules = new Map<string, AppModule>();

export function registerApp(mod: AppModule): void {
  if (appModules.has(mod.name)) throw new Error(`app ${mod.name} registered twice`);
  appModules.set(mod.name, mod);
}
