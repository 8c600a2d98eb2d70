/**
 * The `http` app (modules/caddyhttp/app.go), provisioned from
 * `apps.http`: app-wide settings and every server. Provisioning has no side
 * effects beyond cleanups it registers; sockets are the ListenerPool's job.
 */
import { durationMs } from '../../go/duration.js';
import type { EngineLog } from '../../core/log.js';
import { newScope, ProvisionError, type ProvisionScope } from './provision.js';
import type { JSONObject } from '../../core/registry.js';
import { provisionServer, type Server } from './server.js';

export interface HTTPAppOptions {
  configFiles?: string[];
  log: EngineLog;
  env?: NodeJS.ProcessEnv;
}

const isObj = (v: unknown): v is JSONObject => v !== null && typeof v === 'object' && !Array.isArray(v);

export class HTTPApp {
  constructor(
    readonly servers: readonly Server[],
    /** How long a stop or a reload waits for running requests; 0 = as long as they take (Caddy's default). */
    readonly gracePeriod: number,
    /** How long a stop keeps serving before it starts closing (Caddy's shutdown_delay). */
    readonly shutdownDelay: number,
    private readonly scope: ProvisionScope,
  ) {}

  /** Resolves when no request runs on any of this app's servers. */
  async whenIdle(): Promise<void> {
    await Promise.all(this.servers.map((s) => s.whenIdle()));
  }

  /** Runs the cleanups modules registered (pools, timers); errors are the caller's to log. */
  async cleanup(): Promise<void> {
    const fns = this.scope.cleanups.splice(0);
    const results = await Promise.allSettled(fns.map(async (fn) => fn()));
    const failed = results.find((r) => r.status === 'rejected');
    if (failed) throw (failed as PromiseRejectedResult).reason;
  }
}

export function provisionHTTPApp(json: unknown, opts: HTTPAppOptions): HTTPApp {
  const where = ['loading http app module', 'provision http'];
  if (json === undefined || json === null) json = {};
  if (!isObj(json)) throw new ProvisionError([...where, 'the http app config must be an object']);
  const scope = newScope(opts.configFiles ?? []);
  let gracePeriod: number;
  let shutdownDelay: number;
  let httpPort = 80;
  let httpsPort = 443;
  try {
    gracePeriod = durationMs(json.grace_period, 'grace_period');
    shutdownDelay = durationMs(json.shutdown_delay, 'shutdown_delay');
    if (json.http_port !== undefined) httpPort = port(json.http_port, 'http_port');
    if (json.https_port !== undefined) httpsPort = port(json.https_port, 'https_port');
  } catch (err) {
    throw new ProvisionError([...where, (err as Error).message], err);
  }
  const serversJSON = json.servers ?? {};
  if (!isObj(serversJSON)) throw new ProvisionError([...where, '"servers" must be an object']);
  let servers: Server[];
  try {
    servers = Object.entries(serversJSON).map(([name, srv]) =>
      provisionServer(name, srv, scope, { httpPort, httpsPort, log: opts.log, env: opts.env }),
    );
  } catch (err) {
    // Modules provisioned before the failure may hold resources already.
    for (const fn of scope.cleanups.splice(0)) void Promise.resolve().then(fn).catch(() => {});
    throw err;
  }
  return new HTTPApp(servers, gracePeriod, shutdownDelay, scope);
}

function port(v: unknown, field: string): number {
  if (typeof v !== 'number' || !Number.isInteger(v) || v < 0 || v > 65535) throw new Error(`${field}: invalid port ${JSON.stringify(v)}`);
  return v;
}
