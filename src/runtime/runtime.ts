/**
 * Loading, reloading and stopping a config (Caddy's caddy.Load / Stop).
 *
 * A load checks the JSON (validateConfig), provisions the whole new tree
 * beside the running one, then hands the listeners over: new addresses
 * open, kept ones switch to the new servers in one synchronous pass, removed
 * ones close gracefully. If anything before the switch fails, the running
 * config keeps serving untouched and the error says why. The old tree is
 * cleaned up once the requests still running on it have finished.
 * Loads and stops are serialized: one at a time, in call order.
 */
import { type HTTPApp, provisionHTTPApp } from '../apps/http/app.js';
import { type Listener, ListenerPool } from '../apps/http/listeners.js';
import { type EngineLog, silentLog } from '../core/log.js';
import { ProvisionError } from '../apps/http/provision.js';
import type { JSONObject } from '../core/registry.js';
import { type Logging, provisionLogging } from '../log/logging.js';
import type { StdStreams } from '../log/writers.js';
import { ConfigValidationError, validateConfig } from './validate.js';

/** A config that was rejected; the running one (if any) is unaffected. */
export class LoadError extends Error {
  override name = 'LoadError';
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
}

const isObj = (v: unknown): v is JSONObject => v !== null && typeof v === 'object' && !Array.isArray(v);

/** Apps Caddy configures that the engine does not run yet; accepted so adapted configs load. */
const dormantApps = new Set(['tls', 'pki', 'events']);

export class Runtime {
  private readonly pool: ListenerPool;
  /** The process's own logger: the default log of a config that does not configure one. */
  private readonly bootLog: EngineLog;
  /** The running config's logs (`logging`); the runtime's own lines go there too. */
  private logging: Logging | null = null;
  /** A config's logs while its listeners start (their lines belong to it, as in Caddy). */
  private startingLogging: Logging | null = null;
  private readonly log: EngineLog = (level, logger, msg, fields) => (this.startingLogging?.log ?? this.logging?.log ?? this.bootLog)(level, logger, msg, fields);
  private readonly logStreams: StdStreams | undefined;
  private readonly env: NodeJS.ProcessEnv;
  private app: HTTPApp | null = null;
  private queue: Promise<unknown> = Promise.resolve();
  private stopped = false;

  constructor(opts: RuntimeOptions = {}) {
    this.bootLog = opts.log ?? silentLog;
    this.logStreams = opts.logStreams;
    this.env = opts.env ?? process.env;
    this.pool = new ListenerPool(this.log);
  }

  /** Whether a config is being served. */
  get running(): boolean {
    return this.app !== null;
  }

  /** Bound listener addresses per server name (real ports when the config said 0). */
  addresses(): Map<string, string[]> {
    return this.pool.addresses();
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
    try {
      validateConfig(config);
    } catch (err) {
      if (err instanceof ConfigValidationError) throw new LoadError(err.message);
      throw err;
    }
    const apps = isObj(config) && isObj(config.apps) ? config.apps : {};
    for (const name of Object.keys(apps)) {
      if (name !== 'http' && dormantApps.has(name)) this.log('warn', '', `the ${name} app is not implemented yet; its config is ignored`, { app: name });
    }

    // Logs first, as Caddy sets them up before any app: modules log through them.
    let logging: Logging;
    try {
      logging = provisionLogging(isObj(config) ? config.logging : undefined, { fallback: this.bootLog, streams: this.logStreams });
    } catch (err) {
      throw new LoadError(`setting up logging: ${(err as Error).message}`, { cause: err });
    }

    let app: HTTPApp;
    try {
      app = provisionHTTPApp(apps.http, { configFiles: opts.configFiles, log: logging.log, env: this.env });
    } catch (err) {
      await logging.close();
      if (err instanceof ProvisionError) throw new LoadError(err.message, { cause: err });
      throw err;
    }

    let removed: Listener[];
    this.startingLogging = logging;
    try {
      removed = await this.pool.apply(app.servers);
    } catch (err) {
      this.startingLogging = null;
      await app.cleanup().catch(() => {});
      await logging.close();
      throw new LoadError(`loading new config: http app module: start: ${(err as Error).message}`, { cause: err });
    }

    const old = this.app;
    const oldLogging = this.logging;
    this.startingLogging = null;
    this.app = app;
    this.logging = logging;
    this.announce(app);
    // The old tree drains in the background; the caller does not wait for slow requests.
    // Its logs close after it: its last requests still write their access lines.
    void this.retire(old, removed, old?.gracePeriod ?? app.gracePeriod).finally(() => oldLogging?.close());
  }

  private announce(app: HTTPApp): void {
    const bound = this.pool.addresses();
    for (const s of app.servers) {
      if (s.tlsWanted.length > 0) {
        this.log('warn', 'http', 'TLS is not implemented yet: serving plain HTTP where Caddy would serve HTTPS', { server_name: s.name, addresses: s.tlsWanted });
      }
      this.log('info', 'http.log', 'server running', { name: s.name, protocols: ['h1'], listen: bound.get(s.name) ?? [] });
    }
  }

  private async retire(old: HTTPApp | null, listeners: Listener[], graceMs: number): Promise<void> {
    const closing = Promise.all(listeners.map((l) => l.close(graceMs)));
    if (old !== null) {
      let timer: NodeJS.Timeout | undefined;
      const limit = graceMs > 0 ? new Promise<void>((resolve) => (timer = setTimeout(resolve, graceMs))) : null;
      await (limit ? Promise.race([old.whenIdle(), limit]) : old.whenIdle());
      if (timer !== undefined) clearTimeout(timer);
      await old.cleanup().catch((err) => this.log('error', '', 'cleaning up the previous config', { error: String(err) }));
    }
    await closing;
  }

  private async doStop(): Promise<void> {
    if (this.stopped) return;
    this.stopped = true;
    const app = this.app;
    if (app && app.shutdownDelay > 0) {
      this.log('info', 'http', 'shutdown delay', { delay: app.shutdownDelay / 1000 });
      await new Promise((resolve) => setTimeout(resolve, app.shutdownDelay));
    }
    const listeners = this.pool.takeAll();
    this.app = null;
    const grace = app?.gracePeriod ?? 0;
    if (app) {
      if (grace > 0) this.log('info', 'http', 'servers shutting down; grace period initiated', { duration: grace / 1000 });
      else this.log('info', 'http', 'servers shutting down with eternal grace period');
    }
    await this.retire(app, listeners, grace);
    const logging = this.logging;
    this.logging = null;
    await logging?.close();
  }
}
