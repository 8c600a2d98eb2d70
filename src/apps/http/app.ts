/**
 * The `http` app (modules/caddyhttp/app.go), provisioned from `apps.http`:
 * app-wide settings and every server. Provisioning builds the whole tree
 * and opens nothing; start() is the switch (new sockets open, kept ones are
 * pointed at the new servers in one synchronous pass); stop() closes the
 * sockets only this config still uses and waits for its requests.
 *
 * Sockets outlive configs: they live in one ListenerPool per Runtime
 * (AppContext.shared), so a reload keeps every address that stays.
 */
import type { App, AppContext, AppModule, StopOptions } from '../../core/app.js';
import type { EngineLog } from '../../core/log.js';
import type { JSONObject } from '../../core/registry.js';
import { durationMs } from '../../go/duration.js';
import { AddrError, isFdNetwork, isUnixNetwork, joinNetworkAddress, parseNetworkAddress } from '../../net/netaddr.js';
import { type Listener, ListenerPool } from './listeners.js';
import { newScope, ProvisionError, type ProvisionScope } from './provision.js';
import { provisionServer, type Server } from './server.js';
import { registry as metricsRegistry } from '../../core/metrics/index.js';
import { decodeHTTPMetricsConfig, HTTPMetrics, type HTTPMetricsConfig } from '../../core/metrics/http.js';
import { Registry } from '../../core/metrics/registry.js';
import { displayAddress } from './listen.js';
import { takeCertManager } from '../tls/app.js';
import { planRedirects, redirectServerName } from './auto_redirects.js';
import type { CertManager } from '../../tls/manager.js';

export interface HTTPAppOptions {
  configFiles?: readonly string[];
  log: EngineLog;
  env?: NodeJS.ProcessEnv;
  validating?: boolean;
  /** The config's certificate manager: given, automatic HTTPS asks it for names and adds the redirect server. */
  certs?: CertManager;
  /** The config's top-level `storage` JSON, for modules that keep state with the certificates (acme_server's CA). */
  storage?: unknown;
}

import { isObject as isObj } from '../../go/json.js';

/** The provisioned tree of one config's `apps.http`. */
export class HTTPApp {
  constructor(
    readonly servers: readonly Server[],
    /** How long a stop or a reload waits for running requests; 0 = as long as they take (Caddy's default). */
    readonly gracePeriod: number,
    /** How long a stop keeps serving before it starts closing (Caddy's shutdown_delay). */
    readonly shutdownDelay: number,
    private readonly scope: ProvisionScope,
    /** Servers automatic HTTP→HTTPS redirects were enabled for. */
    readonly redirected: readonly string[] = [],
  ) {}

  /** Resolves when no request runs on any of this app's servers. */
  async whenIdle(): Promise<void> {
    await Promise.all(this.servers.map((s) => s.whenIdle()));
  }

  /** The config takes no more requests (its listeners are released): what modules asked to do now. */
  retire(): void {
    for (const fn of this.scope.retirers.splice(0)) fn();
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
  const scope = newScope([...(opts.configFiles ?? [])], opts.log, opts.env, opts.storage);
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
  checkListeners(serversJSON);
  const metrics = provisionMetrics(json, serversJSON, opts);
  let servers: Server[];
  let redirected: string[] = [];
  try {
    const serverOpts = { httpPort, httpsPort, log: opts.log, env: opts.env, validating: opts.validating, metrics };
    servers = Object.entries(serversJSON).map(([name, srv]) => provisionServer(name, srv, scope, serverOpts));
    if (opts.certs !== undefined) {
      const plan = autoHTTPS(servers, serversJSON, opts.certs, httpPort, httpsPort);
      redirected = plan.enabled;
      if (plan.server !== null) servers.push(provisionServer(redirectServerName, plan.server, scope, serverOpts));
    }
  } catch (err) {
    // Modules provisioned before the failure may hold resources already.
    for (const fn of scope.cleanups.splice(0)) void Promise.resolve().then(fn).catch(() => {});
    throw err;
  }
  return new HTTPApp(servers, gracePeriod, shutdownDelay, scope, redirected);
}

/** A server's HTTPS addresses serve TLS once any of its names (or, with no names, any certificate) can be had. */
function servesTLS(s: Server, manager: CertManager): boolean {
  const { listen, hosts } = s.tlsWanted;
  if (listen.length === 0) return false;
  return hosts.length > 0 ? hosts.some((h) => manager.covers(h)) : manager.hasAny();
}

/** Tells the manager the names automatic HTTPS wants, then plans the HTTP→HTTPS redirects for the servers that will serve HTTPS. */
function autoHTTPS(servers: readonly Server[], json: JSONObject, manager: CertManager, httpPort: number, httpsPort: number) {
  manager.setPorts(httpPort, httpsPort);
  for (const s of servers) {
    const w = s.tlsWanted;
    if (w.listen.length === 0) continue;
    if (w.certsDisabled) manager.log('warn', 'http.auto_https', 'skipping automated certificate management for server because it is disabled', { server_name: s.name });
    manager.want(w.certHosts, { ignoreLoaded: w.ignoreLoaded, server: s.name });
  }
  const sources = servers.map((s) => ({
    name: s.name,
    listen: s.listen,
    hosts: s.tlsWanted.hosts,
    redirects: s.tlsWanted.redirects && servesTLS(s, manager),
    logs: isObj(json[s.name]) ? (json[s.name] as JSONObject).logs : undefined,
  }));
  return planRedirects(sources, servers, httpPort, httpsPort);
}

/**
 * `metrics` of the app, or of any server (deprecated there; Caddy hoists it
 * into the app's, per_host ORed): null when nobody asked for metrics, and
 * then the routes are compiled without instrumentation.
 */
function provisionMetrics(app: JSONObject, servers: JSONObject, opts: HTTPAppOptions): HTTPMetrics | null {
  let config: HTTPMetricsConfig | null = null;
  try {
    if (app.metrics !== undefined && app.metrics !== null) config = decodeHTTPMetricsConfig(app.metrics, 'metrics');
    for (const [name, srv] of Object.entries(servers)) {
      if (!isObj(srv) || srv.metrics === undefined || srv.metrics === null) continue;
      const own = decodeHTTPMetricsConfig(srv.metrics, `servers.${name}.metrics`);
      opts.log('warn', 'http.log', "per-server 'metrics' is deprecated; use 'metrics' in the root 'http' app instead", { server_name: name });
      config = { perHost: (config?.perHost ?? false) || own.perHost, observeCatchallHosts: config?.observeCatchallHosts ?? false };
    }
  } catch (err) {
    throw new ProvisionError(['loading http app module', 'provision http', (err as Error).message], err);
  }
  if (config === null) return null;
  // Caddy's scanConfigForHosts: exact host names of the top-level host matchers.
  const hosts = new Set<string>();
  let https = false;
  for (const srv of Object.values(servers)) {
    if (!isObj(srv)) continue;
    if (Array.isArray(srv.tls_connection_policies) && srv.tls_connection_policies.length > 0) https = true;
    if (!config.perHost || !Array.isArray(srv.routes)) continue;
    for (const route of srv.routes) {
      if (!isObj(route) || !Array.isArray(route.match)) continue;
      for (const set of route.match) {
        if (!isObj(set) || !Array.isArray(set.host)) continue;
        for (const h of set.host) if (typeof h === 'string' && !h.includes('*') && !h.includes('{')) hosts.add(h.toLowerCase());
      }
    }
  }
  // `validate` must not touch the families the running config counts in.
  return new HTTPMetrics(opts.validating ? new Registry() : metricsRegistry, config, hosts, https);
}

function port(v: unknown, field: string): number {
  if (typeof v !== 'number' || !Number.isInteger(v) || v < 0 || v > 65535) throw new Error(`${field}: invalid port ${JSON.stringify(v)}`);
  return v;
}

/**
 * Literal listener addresses that do not parse or that two servers claim
 * (Caddy's app.Validate); addresses with placeholders are checked when the
 * listeners open.
 */
function checkListeners(servers: JSONObject): void {
  const fail = (...chain: string[]): never => {
    throw new ProvisionError(['loading http app module', 'http: invalid configuration', ...chain]);
  };
  const claimed = new Map<string, string>();
  for (const [name, srv] of Object.entries(servers)) {
    if (!isObj(srv)) continue;
    const listen = srv.listen ?? [];
    if (!Array.isArray(listen)) fail(`server ${name}: "listen" must be an array of addresses`);
    for (const addr of listen as unknown[]) {
      if (typeof addr !== 'string') fail(`server ${name}: listener address must be a string: ${JSON.stringify(addr)}`);
      const text = addr as string;
      if (text.includes('{')) continue;
      let na;
      try {
        na = parseNetworkAddress(text);
      } catch (err) {
        if (!(err instanceof AddrError)) throw err;
        fail(`invalid listener address '${text}'`, err.message);
      }
      const size = na!.endPort - na!.startPort + 1;
      for (let i = 0; i < size; i++) {
        const p = isUnixNetwork(na!.network) || isFdNetwork(na!.network) ? '' : String(na!.startPort + i);
        const key = joinNetworkAddress(na!.network, na!.host, p);
        const owner = claimed.get(key);
        if (owner !== undefined) fail(`server ${name}: listener address repeated: ${key} (already claimed by server '${owner}')`);
        claimed.set(key, name);
      }
    }
  }
}

/** One config's http app as the Runtime runs it. */
class RunningHTTPApp implements App {
  constructor(
    readonly tree: HTTPApp,
    private readonly pool: ListenerPool,
    private readonly ctx: AppContext,
    private readonly certs: { manager: CertManager; owned: boolean },
  ) {}

  /**
   * Caddy's automatic HTTPS, as far as tsweb has certificates: a server's
   * HTTPS addresses serve TLS once any of its names (or, for a server with
   * no names, any certificate) can be had; the rest stay plain HTTP, said so.
   */
  private async setUpTLS(): Promise<void> {
    const { manager } = this.certs;
    await manager.start();
    for (const name of this.tree.redirected) this.ctx.runtimeLog('info', 'http.auto_https', 'enabling automatic HTTP->HTTPS redirects', { server_name: name });
    for (const s of this.tree.servers) {
      const { listen, policies } = s.tlsWanted;
      if (listen.length === 0) continue;
      if (!servesTLS(s, manager)) {
        this.ctx.runtimeLog('warn', 'http', 'TLS is not implemented yet: serving plain HTTP where Caddy would serve HTTPS', { server_name: s.name, addresses: listen.map(displayAddress) });
        continue;
      }
      s.tls = {
        addresses: new Set(listen.map((l) => l.key)),
        policies,
        secureContext: (name, hello) => manager.secureContext(policies, name, hello),
        requestCert: policies.some((p) => p.clientAuth !== null),
      };
    }
  }

  async start(): Promise<void> {
    try {
      await this.setUpTLS();
    } catch (err) {
      throw new Error(`tls: ${(err as Error).message}`, { cause: err });
    }
    await this.pool.apply(this.tree.servers);
    // ACME validates through the listeners just opened (HTTP-01 on the http_port, TLS-ALPN-01 on TLS ones).
    this.certs.manager.manageAsync();
    const bound = this.pool.addresses();
    for (const s of this.tree.servers) {
      this.ctx.runtimeLog('info', 'http.log', 'server running', { name: s.name, protocols: s.protocols.names, listen: bound.get(s.name) ?? [] });
    }
  }

  async stop(opts: StopOptions): Promise<void> {
    const { tree } = this;
    const log = this.ctx.runtimeLog;
    if (opts.exiting && tree.shutdownDelay > 0) {
      log('info', 'http', 'shutdown delay', { delay: tree.shutdownDelay / 1000 });
      await new Promise((resolve) => setTimeout(resolve, tree.shutdownDelay));
    }
    const listeners: Listener[] = this.pool.release(tree.servers);
    tree.retire();
    const grace = tree.gracePeriod;
    if (opts.exiting) {
      if (grace > 0) log('info', 'http', 'servers shutting down; grace period initiated', { duration: grace / 1000 });
      else log('info', 'http', 'servers shutting down with eternal grace period');
    }
    const closing = Promise.all(listeners.map((l) => l.close(grace)));
    let timer: NodeJS.Timeout | undefined;
    const limit = grace > 0 ? new Promise<void>((resolve) => (timer = setTimeout(resolve, grace))) : null;
    await (limit ? Promise.race([tree.whenIdle(), limit]) : tree.whenIdle());
    if (timer !== undefined) clearTimeout(timer);
    await closing;
  }

  cleanup(): Promise<void> {
    if (this.certs.owned) this.certs.manager.stop();
    return this.tree.cleanup();
  }

  addresses(): Map<string, string[]> {
    return this.pool.addresses();
  }
}

export const httpAppModule: AppModule = {
  name: 'http',
  provision(json, ctx) {
    const certs = takeCertManager(ctx);
    const tree = provisionHTTPApp(json, { configFiles: ctx.configFiles, log: ctx.log, env: ctx.env, validating: ctx.validating, certs: certs.manager, storage: ctx.storage });
    const pool = ctx.shared('http.listeners', () => new ListenerPool(ctx.runtimeLog));
    return new RunningHTTPApp(tree, pool, ctx, certs);
  },
};
