/**
 * Loading, reloading and stopping a config (Caddy's caddy.Load / Stop), for
 * whatever apps the config has.
 *
 * A load checks the top level, sets up the config's logs, provisions every
 * app beside the running ones, then starts them (the http app's start is
 * the switch: new addresses open, kept ones move to the new servers in one
 * synchronous pass). If anything before the switch fails, the running config
 * keeps serving untouched and the error says why. The old apps then stop
 * (their dropped sockets close, their requests finish) and clean up in the
 * background. Loads and stops are serialized: one at a time, in call order.
 *
 * The Runtime keeps the JSON it runs, with an index of its `@id` fields, for
 * the admin API (GET /config/, /id/).
 */
import '../apps/index.js';
import { type App, type AppContext, appModules, sharedIn } from '../core/app.js';
import { type EngineLog, silentLog } from '../core/log.js';
import { beginProvisioning } from '../core/shared/index.js';
import type { JSONObject } from '../core/registry.js';
import { type Logging, provisionLogging } from '../log/logging.js';
import type { StdStreams } from '../log/writers.js';
import { checkConfigShape, ConfigValidationError } from './validate.js';

/** A config that was rejected; the running one (if any) is unaffected. */
export class LoadError extends Error {
  override name = 'LoadError';
}

/**
 * What stopped a config from running, worded as Caddy's run() words it
 * ("loading new config: …"), for every caller: the CLI verbs, the admin API
 * and the supervisor's workers.
 */
export function loadFailure(message: string, cause?: unknown): LoadError {
  return new LoadError(`loading new config: ${message}`, cause === undefined ? undefined : { cause });
}

/**
 * The checks every load starts with, in the words the admin API answers
 * with: the config's shape (a refused load) and its `@id` index. The
 * supervisor runs them before its workers see the config.
 */
export function checkLoadable(config: unknown): { apps: JSONObject; ids: Map<string, ConfigPath> } {
  let apps: JSONObject;
  try {
    apps = checkConfigShape(config);
  } catch (err) {
    if (err instanceof ConfigValidationError) throw loadFailure(err.message);
    throw err;
  }
  try {
    return { apps, ids: indexIds(config) };
  } catch (err) {
    if (err instanceof ConfigValidationError) throw new LoadError(err.message);
    throw err;
  }
}

export interface LoadOptions {
  /** Files the config came from (file_server hides them). */
  configFiles?: string[];
}

export interface RuntimeOptions {
  log?: EngineLog;
  env?: NodeJS.ProcessEnv;
  /** Where `output stdout` / `output stderr` logs go instead of the process's streams (tests). */
  logStreams?: StdStreams;
  /**
   * Takes part in every load without the Runtime knowing what for (the CLI
   * wires the admin endpoint here, which follows the config's `admin`).
   * Called after the config's logs are set up and before its apps
   * provision, where Caddy replaces its admin endpoint; throwing refuses the
   * config with that error. The function it returns is called once the load
   * is decided: `true` after the swap, `false` when the load failed.
   */
  onLoad?: (config: JSONObject) => Promise<(loaded: boolean) => void>;
  /**
   * Called once every app of a load has provisioned and before any starts:
   * the last point where the load can still be refused without a trace. A
   * request worker waits here for its supervisor's verdict, so a reload
   * switches every worker or none (src/runtime/supervisor.ts); throwing
   * refuses the config with that error.
   */
  beforeStart?: () => Promise<void>;
}

/** A path into the config JSON: object keys and array indexes. */
export type ConfigPath = ReadonlyArray<string | number>;

/** One loaded config: its JSON, its apps (in start order) and its logs. */
interface Loaded {
  readonly json: JSONObject;
  readonly ids: ReadonlyMap<string, ConfigPath>;
  readonly apps: ReadonlyArray<readonly [string, App]>;
  readonly logging: Logging;
}

import { isObject as isObj } from '../go/json.js';

/** Every `@id` in the config and where it is; a repeated id is an error, as in Caddy. */
export function indexIds(config: unknown): Map<string, ConfigPath> {
  const ids = new Map<string, ConfigPath>();
  // Iterative: configs arrive over the admin API too, and may be deep.
  const stack: Array<[unknown, ConfigPath]> = [[config, []]];
  while (stack.length > 0) {
    const [v, path] = stack.pop()!;
    if (Array.isArray(v)) {
      v.forEach((x, i) => stack.push([x, [...path, i]]));
    } else if (isObj(v)) {
      const id = v['@id'];
      if (id !== undefined) {
        if (typeof id !== 'string' || id === '') throw new ConfigValidationError(`indexing config: "@id" at /${path.join('/')} must be a non-empty string`);
        if (ids.has(id)) throw new ConfigValidationError(`indexing config: duplicate ID '${id}' found at /${path.join('/')} and /${ids.get(id)!.join('/')}`);
        ids.set(id, path);
      }
      for (const [k, x] of Object.entries(v)) if (k !== '@id') stack.push([x, [...path, k]]);
    }
  }
  return ids;
}

export class Runtime {
  /** The process's own logger: the default log of a config that does not configure one. */
  private readonly bootLog: EngineLog;
  private current: Loaded | null = null;
  /** A config's logs while its apps start (their lines belong to it, as in Caddy). */
  private startingLogging: Logging | null = null;
  private readonly log: EngineLog = (level, logger, msg, fields) => (this.startingLogging?.log ?? this.current?.logging.log ?? this.bootLog)(level, logger, msg, fields);
  private readonly logStreams: StdStreams | undefined;
  private readonly env: NodeJS.ProcessEnv;
  /** State apps keep across configs (the listener pool...), by key. */
  private readonly shared = new Map<string, unknown>();
  private queue: Promise<unknown> = Promise.resolve();
  private stopped = false;
  private readonly onLoad: RuntimeOptions['onLoad'];
  private readonly beforeStart: RuntimeOptions['beforeStart'];

  constructor(opts: RuntimeOptions = {}) {
    this.onLoad = opts.onLoad;
    this.beforeStart = opts.beforeStart;
    this.bootLog = opts.log ?? silentLog;
    this.logStreams = opts.logStreams;
    this.env = opts.env ?? process.env;
  }

  /** Whether a config is being served. */
  get running(): boolean {
    return this.current !== null;
  }

  /** The JSON being served (null before the first load and after a stop). Do not modify it. */
  get config(): JSONObject | null {
    return this.current?.json ?? null;
  }

  /** Where an `@id` points in the running config. */
  idPath(id: string): ConfigPath | undefined {
    return this.current?.ids.get(id);
  }

  /** Bound listener addresses per server name (real ports when the config said 0). */
  addresses(): Map<string, string[]> {
    const out = new Map<string, string[]>();
    for (const [, app] of this.current?.apps ?? []) {
      const withAddrs = app as App & { addresses?: () => Map<string, string[]> };
      for (const [k, v] of withAddrs.addresses?.() ?? []) out.set(k, v);
    }
    return out;
  }

  /** Loads `config` (initial load or reload). Throws LoadError and keeps the old config on failure. */
  load(config: unknown, opts: LoadOptions = {}): Promise<void> {
    return this.serialize(() => this.doLoad(config, opts));
  }

  /** Graceful stop: shutdown_delay, stop accepting, wait for running requests up to grace_period, close. */
  stop(): Promise<void> {
    return this.serialize(() => this.doStop());
  }

  private serialize<T>(fn: () => Promise<T>): Promise<T> {
    const run = this.queue.then(fn, fn);
    this.queue = run.catch(() => {});
    return run;
  }

  private async doLoad(config: unknown, opts: LoadOptions): Promise<void> {
    if (this.stopped) throw new LoadError('the server is stopped');
    const { apps: appsJSON, ids } = checkLoadable(config);
    const json = config as JSONObject;

    // Logs first, as Caddy sets them up before any app: modules log through them.
    let logging: Logging;
    try {
      logging = provisionLogging(json.logging, { fallback: this.bootLog, streams: this.logStreams });
    } catch (err) {
      throw loadFailure(`setting up logging: ${(err as Error).message}`, err);
    }
    try {
      // A net writer without soft_start that cannot connect refuses the config, as Caddy's does.
      await logging.ready();
    } catch (err) {
      await logging.close().catch(() => {});
      throw loadFailure(`setting up logging: ${(err as Error).message}`, err);
    }

    const ctx: AppContext = {
      log: logging.log,
      runtimeLog: this.log,
      env: this.env,
      configFiles: opts.configFiles ?? [],
      validating: false,
      storage: json.storage,
      shared: sharedIn(this.shared),
    };

    let settle: (loaded: boolean) => void = () => {};
    if (this.onLoad !== undefined) {
      try {
        settle = await this.onLoad(json);
      } catch (err) {
        await logging.close();
        throw loadFailure((err as Error).message, err);
      }
    }

    const apps: Array<[string, App]> = [];
    // Stateful parts are numbered per config, alike in every worker (src/core/shared).
    beginProvisioning();
    try {
      for (const [name, mod] of appModules) {
        if (name in appsJSON) apps.push([name, mod.provision(appsJSON[name], ctx)]);
      }
    } catch (err) {
      settle(false);
      await this.discard(apps, []);
      await logging.close();
      const isBug = err instanceof TypeError || err instanceof RangeError || err instanceof ReferenceError;
      if (isBug || !(err instanceof Error)) throw err;
      throw loadFailure(err.message, err);
    }

    if (this.beforeStart !== undefined) {
      try {
        await this.beforeStart();
      } catch (err) {
        settle(false);
        await this.discard(apps, []);
        await logging.close();
        throw loadFailure((err as Error).message, err);
      }
    }

    const started: Array<[string, App]> = [];
    this.startingLogging = logging;
    let starting = '';
    try {
      for (const entry of apps) {
        starting = entry[0];
        await entry[1].start();
        started.push(entry);
      }
    } catch (err) {
      this.startingLogging = null;
      settle(false);
      await this.discard(apps, started);
      await logging.close();
      throw loadFailure(`${starting} app module: start: ${(err as Error).message}`, err);
    }

    const old = this.current;
    this.startingLogging = null;
    this.current = { json, ids, apps, logging };
    settle(true);
    // The old apps drain in the background; the caller does not wait for slow requests.
    // Their logs close after them: their last requests still write their access lines.
    if (old !== null) void this.retire(old, false);
  }

  /** Undoes a load that failed: stops what started, cleans up everything provisioned. */
  private async discard(apps: ReadonlyArray<readonly [string, App]>, started: ReadonlyArray<readonly [string, App]>): Promise<void> {
    for (const [, app] of [...started].reverse()) await app.stop({ exiting: false }).catch(() => {});
    await Promise.all(apps.map(([, app]) => app.cleanup().catch(() => {})));
  }

  /** Stops a config's apps (last started, first stopped), cleans them up, closes its logs. */
  private async retire(loaded: Loaded, exiting: boolean): Promise<void> {
    for (const [name, app] of [...loaded.apps].reverse()) {
      try {
        await app.stop({ exiting });
      } catch (err) {
        this.log('error', '', `stopping the ${name} app`, { error: String(err) });
      }
      await app.cleanup().catch((err) => this.log('error', '', 'cleaning up the previous config', { error: String(err) }));
    }
    await loaded.logging.close();
  }

  private async doStop(): Promise<void> {
    if (this.stopped) return;
    this.stopped = true;
    const loaded = this.current;
    if (loaded === null) return;
    // The runtime's own last lines still go to this config's logs while it stops.
    this.startingLogging = loaded.logging;
    this.current = null;
    try {
      await this.retire(loaded, true);
    } finally {
      this.startingLogging = null;
    }
  }
}
