/**
 * One entry of `apps.http.servers`, provisioned: its listener addresses,
 * connection limits, and the compiled route tree. `handle` is what a
 * listener calls per request (modules/caddyhttp/server.go ServeHTTP):
 *
 *   protocol checks Go's net/http does before any handler (Host on HTTP/1.1)
 *   → `Server: tsweb` → the route list → on error, the error routes
 *   (or Caddy's default: the status, empty body) → an unanswered request
 *   gets an empty 200.
 *
 * A provisioned Server never changes; a reload builds a new one and the
 * listeners switch to it, while requests already running finish on this one.
 */
import type { IncomingMessage } from 'node:http';
import { type AccessLog, compileServerLogs, loggableRequest } from './access_log.js';
import type { CountingResponseWriter } from '../../core/response.js';
import { decodeProtocols, listenerProtocols, type ListenerProtocols } from './protocols.js';
import { Duration } from '../../log/value.js';
import { type ClientIPOptions, compileClientIPOptions, createCtx, type CtxInfo } from '../../core/context.js';
import { durationMs } from '../../go/duration.js';
import { AbortRequest, errorEnd, errorStatus, toHandlerError, withError, writeStatus } from '../../core/errors.js';
import { type ListenAddress, parseListenAddresses } from './listen.js';
import type { EngineLog } from '../../core/log.js';
import { ProvisionError, type ProvisionScope, serverScope } from './provision.js';
import type { JSONObject } from '../../core/registry.js';
import { compileRouteList } from './routes.js';
import { type HTTPMetrics, routeHandlerName } from '../../core/metrics/http.js';
import type { Ctx, Handler, HandlerError, Next } from '../../core/types.js';
import type { SecureContext } from 'node:tls';
import { type ConnectionPolicy, decodeConnectionPolicies } from '../../tls/connection_policy.js';
import type { ClientHelloInfo } from '../../tls/manager.js';
import { takeHTTPChallenge } from './acme_challenge.js';

/** Connection limits, in milliseconds and bytes; 0 = none. */
export interface ServerLimits {
  readTimeout: number;
  readHeaderTimeout: number;
  writeTimeout: number;
  idleTimeout: number;
  /** Go's MaxHeaderBytes: request line and header fields together. */
  maxHeaderSize: number;
}

/** Caddy's defaults (server.go / app.go): idle 5 min, read-header 1 min (newer Caddy), Go's 1 MiB headers. */
export const defaultLimits: ServerLimits = {
  readTimeout: 0,
  readHeaderTimeout: 60_000,
  writeTimeout: 0,
  idleTimeout: 5 * 60_000,
  maxHeaderSize: 1 << 20,
};

import { isObject as isObj } from '../../go/json.js';

const noop: Next = () => Promise.resolve();


/** The writer a listener gives Server.handle: node:http's or an HTTP/2 stream's. */
export type ServerWriter = CountingResponseWriter;

/** What a server's listeners speak, by listener key, decided at load. */
export interface ServerProtocols {
  /** The server's `protocols` as Caddy logs them. */
  readonly names: readonly string[];
  readonly byKey: ReadonlyMap<string, ListenerProtocols>;
}

const allProtocols: ServerProtocols = { names: ['h1', 'h2', 'h3'], byKey: new Map() };
const defaultListener: ListenerProtocols = { h1: true, h2: true, h2c: false };

/** Answers as Go's net/http does for requests it refuses itself: status text, plain body, close. */
export function refuse(w: ServerWriter, status: number, text: string): void {
  w.statusCode = status;
  w.statusMessage = text;
  w.setHeader('Content-Type', 'text/plain; charset=utf-8');
  w.setHeader('Connection', 'close');
  w.closeAfterResponse();
  w.end(`${status} ${text}`);
}

function hostHeaderCount(req: IncomingMessage): number {
  const raw = req.rawHeaders;
  let n = 0;
  for (let i = 0; i < raw.length; i += 2) {
    const name = raw[i]!;
    if (name.length === 4 && name.toLowerCase() === 'host') n++;
  }
  return n;
}

/** How a server's TLS listeners handshake, set by the http app once its certificates are known. */
export interface ServerTLS {
  /** Listener keys served over TLS. */
  readonly addresses: ReadonlySet<string>;
  readonly policies: readonly ConnectionPolicy[];
  /** Asks for a certificate during a handshake (the certificate manager's one entry point). */
  readonly secureContext: (serverName: string, hello: ClientHelloInfo) => Promise<SecureContext>;
  /** Some policy authenticates clients: the handshake asks for a certificate. */
  readonly requestCert: boolean;
}

/** Where Caddy would serve HTTPS for a server, decided from its JSON alone. */
export interface TLSWanted {
  readonly listen: readonly ListenAddress[];
  /** The names automatic HTTPS serves over TLS (its redirects name them). */
  readonly hosts: readonly string[];
  /** The names it gets certificates for: hosts less skip_certificates; none with disable_certificates. */
  readonly certHosts: readonly string[];
  /** ignore_loaded_certificates: manage a name even when a loaded certificate covers it. */
  readonly ignoreLoaded: boolean;
  /** disable_certificates: Caddy warns once per server at start. */
  readonly certsDisabled: boolean;
  readonly policies: readonly ConnectionPolicy[];
  /** HTTP→HTTPS redirects are wanted (automatic_https neither disable nor disable_redirects). */
  readonly redirects: boolean;
}

export class Server {
  /** TLS for the addresses in tlsListen that have a certificate to serve; null: all plain. */
  tls: ServerTLS | null = null;
  /** Requests running on this server (a retired config waits for 0 before cleaning up). */
  inflight = 0;
  /** The listeners' writers count body bytes and the head's time for this server (its access log or metrics report them). */
  readonly countsBody: boolean;
  private idleWaiters: Array<() => void> = [];

  constructor(
    readonly name: string,
    readonly listen: readonly ListenAddress[],
    readonly limits: ServerLimits,
    /** Addresses where Caddy serves HTTPS, and the names automatic HTTPS gets certificates for. */
    readonly tlsWanted: TLSWanted,
    private readonly primary: Handler,
    private readonly errorRoutes: Handler | null,
    private readonly log: EngineLog,
    private readonly ctxInfo: CtxInfo,
    /** The server's `logs` (access logging); null: no access log lines. */
    private readonly access: AccessLog | null = null,
    /** The http app collects metrics (its routes are instrumented). */
    metered = false,
    /** `protocols` / `listen_protocols`; the default is Caddy's (h1 h2 h3). */
    readonly protocols: ServerProtocols = allProtocols,
  ) {
    this.countsBody = access !== null || metered;
  }

  /** What the listener with this key accepts (h1, h2 over TLS, h2c). */
  protocolsAt(key: string): ListenerProtocols {
    return this.protocols.byKey.get(key) ?? defaultListener;
  }

  /** The request entry point; never throws, never leaves a response open. */
  handle(req: IncomingMessage, w: ServerWriter): void {
    // Go's net/http answers these itself, before Caddy sees the request.
    if (req.httpVersionMajor === 1 && req.httpVersionMinor === 1) {
      const hosts = hostHeaderCount(req);
      if (hosts === 0) return refuse(w, 400, 'Bad Request: missing required Host header');
      if (hosts > 1) return refuse(w, 400, 'Bad Request: too many Host headers');
    }
    w.setHeader('Server', 'tsweb');
    if (!takeHTTPChallenge(req, w, this)) this.route(req, w);
  }

  /** The routes' part of handle (also where a request that was not an ACME challenge goes on). */
  route(req: IncomingMessage, w: ServerWriter): void {
    let ctx: Ctx;
    try {
      ctx = createCtx(req, w, this.ctxInfo);
    } catch (err) {
      // A target Go's url.ParseRequestURI refuses: net/http answers 400 before any handler.
      this.log('debug', 'http', 'bad request', { error: err instanceof Error ? err.message : String(err) });
      return refuse(w, 400, 'Bad Request');
    }

    this.inflight++;
    // Access log: counters start before any handler; the line is written where the request ends.
    const rec = this.access?.begin(ctx);
    let timer: NodeJS.Timeout | undefined;
    if (this.limits.writeTimeout > 0) {
      // Go's WriteTimeout: the response must be written within this time of the request's headers.
      timer = setTimeout(() => w.destroy(), this.limits.writeTimeout);
    }
    this.serve(ctx, w).finally(() => {
      if (timer !== undefined) clearTimeout(timer);
      if (rec !== undefined) this.access!.finish(ctx, rec, w);
      if (--this.inflight === 0) this.wakeIdle();
    });
  }

  private async serve(ctx: Ctx, w: ServerWriter): Promise<void> {
    try {
      try {
        await this.primary(ctx, noop);
      } catch (err) {
        if (err instanceof AbortRequest) throw err;
        if (w.headersSent) {
          // Part of the response is out: an error page cannot follow it. Cut the
          // connection so the client sees a truncated response, not a spliced one
          // (Caddy's proxy does the same with http.ErrAbortHandler).
          const e = toHandlerError(err);
          this.log('error', this.access?.errorLogger(ctx) ?? 'http.log.error', e.message, { ...this.errorFields(ctx), status: errorStatus(e), err_id: e.id, note: 'response already started; connection closed' });
          throw new AbortRequest();
        }
        await this.handleError(ctx, toHandlerError(err));
      }
      if (!w.writableEnded) w.end();
    } catch (err) {
      if (!(err instanceof AbortRequest)) {
        // Only a bug gets here (handleError does not throw); never leave the client hanging.
        this.log('error', 'http', 'internal error', { error: err instanceof Error ? (err.stack ?? err.message) : String(err) });
      }
      w.destroy();
    }
  }

  private async handleError(ctx: Ctx, err: HandlerError): Promise<void> {
    const status = errorStatus(err);
    const fields = { ...this.errorFields(ctx), status, err_id: err.id };
    const logger = this.access?.errorLogger(ctx) ?? 'http.log.error';
    if (this.errorRoutes === null) {
      if (status >= 500) this.log('error', logger, err.message, fields);
      else this.log('debug', logger, err.message, fields);
      writeStatus(ctx, status);
      return;
    }
    withError(ctx, err);
    try {
      await this.errorRoutes(ctx, () => errorEnd(ctx));
      if (status >= 500) this.log('error', logger, err.message, fields);
    } catch (err2) {
      if (err2 instanceof AbortRequest) throw err2;
      const second = toHandlerError(err2);
      this.log('error', logger, 'error handling handler error', { ...fields, error: second.message, first_error: err.message });
      writeStatus(ctx, status);
    }
  }

  /** What Caddy's error log says about the request: its id, the request as received, the time so far. */
  private errorFields(ctx: Ctx): Record<string, unknown> {
    return {
      request_id: ctx.id,
      request: loggableRequest(ctx, this.access?.logCredentials ?? false),
      duration: new Duration(Number(process.hrtime.bigint() - ctx.start)),
    };
  }

  /** Resolves once no request runs on this server (at once if none does). */
  whenIdle(): Promise<void> {
    if (this.inflight === 0) return Promise.resolve();
    return new Promise((resolve) => this.idleWaiters.push(resolve));
  }

  private wakeIdle(): void {
    const waiters = this.idleWaiters;
    this.idleWaiters = [];
    for (const w of waiters) w();
  }
}

/** Host names from the top-level host matchers: where Caddy's automatic HTTPS would apply. */
function routeHosts(routes: unknown): string[] {
  const hosts: string[] = [];
  if (!Array.isArray(routes)) return hosts;
  for (const r of routes) {
    if (!isObj(r) || !Array.isArray(r.match)) continue;
    for (const set of r.match) if (isObj(set) && Array.isArray(set.host)) hosts.push(...set.host.filter((h: unknown) => typeof h === 'string'));
  }
  return hosts;
}

function intField(v: unknown, field: string): number {
  if (v === undefined || v === null) return 0;
  if (typeof v !== 'number' || !Number.isInteger(v) || v < 0) throw new Error(`${field}: must be a non-negative integer`);
  return v;
}

export interface ServerProvisionOptions {
  httpPort: number;
  httpsPort: number;
  log: EngineLog;
  env?: NodeJS.ProcessEnv;
  /** Checking only (`tsweb validate`): listener placeholders stay unresolved. */
  validating?: boolean;
  /** The http app's metrics; absent: routes are compiled uninstrumented. */
  metrics?: HTTPMetrics | null;
}

/** Provisions `servers[name]`; throws ProvisionError with Caddy's chain. */
export function provisionServer(name: string, json: unknown, parent: ProvisionScope, opts: ServerProvisionOptions): Server {
  const at = ['loading http app module', 'provision http', `server ${name}`];
  if (!isObj(json)) throw new ProvisionError([...at, 'a server must be an object']);
  const scope = serverScope(parent);

  let limits: ServerLimits;
  let clientIP: ClientIPOptions;
  let access: AccessLog | null;
  const listen: ListenAddress[] = [];
  let protocols: ServerProtocols;
  try {
    clientIP = compileClientIPOptions(json);
    access = compileServerLogs(json.logs, opts.log);
    limits = {
      readTimeout: durationMs(json.read_timeout, 'read_timeout') || defaultLimits.readTimeout,
      readHeaderTimeout: durationMs(json.read_header_timeout, 'read_header_timeout') || defaultLimits.readHeaderTimeout,
      writeTimeout: durationMs(json.write_timeout, 'write_timeout') || defaultLimits.writeTimeout,
      idleTimeout: durationMs(json.idle_timeout, 'idle_timeout') || defaultLimits.idleTimeout,
      maxHeaderSize: intField(json.max_header_size, 'max_header_size') || defaultLimits.maxHeaderSize,
    };
    const addrs = json.listen ?? [];
    if (!Array.isArray(addrs)) throw new Error('"listen" must be an array of addresses');
    const decoded = decodeProtocols(json, name);
    const byKey = new Map<string, ListenerProtocols>();
    const serverWide = listenerProtocols(decoded.names);
    addrs.forEach((a: unknown, i: number) => {
      if (typeof a !== 'string') throw new Error(`listener address must be a string: ${JSON.stringify(a)}`);
      // `validate` cannot know the environment `run` will have: placeholders wait for it.
      if (opts.validating && a.includes('{')) return;
      const parsed = parseListenAddresses(a, opts.env);
      const own = decoded.perListen[i];
      for (const l of parsed) byKey.set(l.key, own ? listenerProtocols(own) : serverWide);
      listen.push(...parsed);
    });
    protocols = { names: decoded.names, byKey };
  } catch (err) {
    if (err instanceof ProvisionError) throw err;
    throw new ProvisionError([...at, (err as Error).message], err);
  }

  // Where Caddy would terminate TLS: explicit connection policies, the HTTPS
  // port, or (automatic HTTPS) host-matched sites on any port but the HTTP port.
  const auto = isObj(json.automatic_https) ? json.automatic_https : {};
  const hosts = auto.disable === true ? [] : routeHosts(json.routes);
  const tlsListen = listen
    .filter((l) => l.network !== 'unix')
    .filter((l) => json.tls_connection_policies !== undefined || l.port === opts.httpsPort || (hosts.length > 0 && l.port !== opts.httpPort));
  let policies: ConnectionPolicy[] = [];
  try {
    if (tlsListen.length > 0) policies = decodeConnectionPolicies(json.tls_connection_policies, 'tls_connection_policies');
  } catch (err) {
    throw new ProvisionError([...at, 'setting up TLS connection policies', (err as Error).message], err);
  }
  const skip = new Set(Array.isArray(auto.skip) ? auto.skip.filter((h): h is string => typeof h === 'string') : []);
  const redirects = auto.disable !== true && auto.disable_redirects !== true;
  const served = hosts.filter((h) => !skip.has(h));
  const skipCerts = new Set(Array.isArray(auto.skip_certificates) ? auto.skip_certificates.filter((h): h is string => typeof h === 'string') : []);
  const certsDisabled = auto.disable_certificates === true;
  const tlsWanted: TLSWanted = {
    listen: tlsListen,
    hosts: served,
    certHosts: certsDisabled ? [] : served.filter((h) => !skipCerts.has(h)),
    ignoreLoaded: auto.ignore_loaded_certificates === true,
    certsDisabled,
    policies,
    redirects,
  };

  // Newer Caddy measures each matched top-level and named route, labelled by its first handler.
  const metrics = opts.metrics ?? null;
  const instrument = metrics === null ? undefined : (chain: Handler, route: JSONObject) => metrics.instrument(name, routeHandlerName(route), chain);

  // Named routes first, as Caddy provisions them: routes may invoke them.
  if (json.named_routes !== undefined) {
    if (!isObj(json.named_routes)) throw new ProvisionError([...at, '"named_routes" must be an object']);
    for (const [rname, route] of Object.entries(json.named_routes)) {
      const where = [...at, `setting up named route '${rname}'`];
      scope.namedRoutes.set(rname, compileRouteList([route], scope, where, where, instrument));
    }
  }
  // Caddy's words: matchers of every route first, then handlers (app.go).
  const primary = compileRouteList(json.routes, scope, [...at, 'setting up route matchers'], [...at, 'setting up route handlers'], instrument);
  let errorRoutes: Handler | null = null;
  if (json.errors !== undefined) {
    if (!isObj(json.errors)) throw new ProvisionError([...at, '"errors" must be an object']);
    const routes = json.errors.routes;
    if (Array.isArray(routes) && routes.length > 0) {
      errorRoutes = compileRouteList(routes, scope, [...at, 'setting up server error handling routes']);
    }
  }
  return new Server(name, listen, limits, tlsWanted, primary, errorRoutes, opts.log, { clientIP }, access, metrics !== null, protocols);
}
