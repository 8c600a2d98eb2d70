/**
 * The `http` transport over undici: a dispatcher per upstream and a
 * dispatch handler that writes the upstream's response straight into the
 * ResponseWriter, with no ClientRequest, IncomingMessage or stream in
 * between.
 *
 * HTTP/1.1 (the hot path): a Pool with as many connections as requests in
 * flight, each kept idle for idle_timeout, so steady load opens none; it
 * carries the requests without a body or upgrade (the rest goes through
 * transport.ts, node:http). HTTP/2 (`versions`): over TLS a Pool that
 * negotiates h2 by ALPN (or offers only h2), in plain text one h2c session
 * per upstream (prior knowledge) with its streams multiplexed; these carry
 * every request but upgrades, bodies streamed both ways and trailers passed
 * on (gRPC).
 *
 * Errors are classified as transport.ts does: nothing written yet (undici
 * never started the request on a connection) is a DialError, safe to retry;
 * the response header timeout is an UpstreamTimeout (504).
 */
import type { Dispatcher } from 'undici';
import type { LookupFunction, Socket } from 'node:net';
import type { CompiledHeaderOps } from '../../core/header_ops.js';
import { AbortRequest } from '../../core/errors.js';
import { HandlerError, type Ctx } from '../../core/types.js';
import { goErrnoText } from '../../go/errno.js';
import { ClientBodyError } from './body_pipe.js';
import type { TransportSettings } from './config_transport.js';
import type { PreparedRequest } from './request.js';
import type { FastRequest } from './request_headers.js';
import { headerLines, ResponseHead, type ResponseOptions } from './response_head.js';
import { DialError, UpstreamTimeout } from './transport.js';
import { dialWithHeader, ownDial, type DialOptions } from './dial.js';
import { proxyHeader } from './proxy_protocol.js';
import { tlsConnectOptions, tlsFor } from './tls_options.js';
import { upstreamLookup } from './dynamic_dns.js';
import { Client, H2CClient, Pool } from './undici_lib.js';
import type { Upstream } from './upstreams.js';

type DispatchController = Dispatcher.DispatchController;

/** One try: the response written to ctx.w, or the error the retry rule classifies. */
class Exchange implements Dispatcher.DispatchHandler {
  private controller: DispatchController | null = null;
  /** The client went away (an abort that came before undici handed us a controller). */
  private gone = false;
  private settled = false;
  private head: ResponseHead | null = null;
  private readonly sent = process.hrtime.bigint();
  resolve!: () => void;
  reject!: (err: unknown) => void;

  constructor(
    private readonly ctx: Ctx,
    private readonly u: Upstream,
    private readonly opts: ResponseOptions,
  ) {}

  /** Bound once per try: the writer's close listener (the client hung up). */
  readonly onClientGone = (): void => {
    if (this.ctx.w.writableFinished) return;
    this.gone = true;
    const err = new AbortRequest();
    this.controller?.abort(err);
    // Past the head there is nobody to answer: done, quietly (as sendResponse does).
    this.settle(this.head === null ? err : null);
  };

  private settle(err: unknown): void {
    if (this.settled) return;
    this.settled = true;
    this.ctx.w.offClose(this.onClientGone);
    this.u.release();
    if (err === null) this.resolve();
    else this.reject(err);
  }

  onRequestStart(controller: DispatchController): void {
    this.controller = controller;
    if (this.gone) controller.abort(new AbortRequest());
  }

  onResponseStart(controller: DispatchController, status: number, headers: unknown, statusText?: string): void {
    if (status < 200) {
      // Caddy passes interim responses (103 Early Hints) on as they come; a stray 100 is not the client's business.
      if (status !== 100 && !this.ctx.w.headersSent) this.interim(status, headerLines(controller.rawHeaders ?? headers));
      return;
    }
    const raw = controller.rawHeaders ?? headers;
    this.head = new ResponseHead(this.ctx, this.opts, this.u, this.sent, status, statusText ?? '', headerLines(raw));
    // undici hands HTTP/1.1 heads over as raw lines and HTTP/2 ones as an object.
    this.head.write(Array.isArray(raw) ? '1.1' : '2.0');
  }

  /** Go's Got1xxResponse in Caddy: the fields go out with the 1xx, then leave the map again. */
  private interim(status: number, lines: string[]): void {
    const { w } = this.ctx;
    for (let i = 0; i < lines.length; i += 2) w.appendHeader(lines[i]!, lines[i + 1]!);
    w.writeHead(status);
    for (let i = 0; i < lines.length; i += 2) w.removeHeader(lines[i]!);
  }

  /** Made on the first backpressure only: most responses never need it. */
  private resumeUpstream: (() => void) | null = null;

  onResponseData(controller: DispatchController, chunk: Buffer): void {
    const head = this.head!;
    if (head.sniff) head.sniffFrom(chunk);
    if (!this.ctx.w.write(chunk)) {
      controller.pause();
      this.ctx.w.onceDrain((this.resumeUpstream ??= () => controller.resume()));
    }
  }

  onResponseEnd(controller: DispatchController, trailers: unknown): void {
    const raw = controller.rawTrailers ?? trailers;
    if (raw !== null && raw !== undefined) this.head!.trailers(headerLines(raw));
    this.ctx.w.end();
    this.settle(null);
  }

  onResponseError(_controller: DispatchController, err: Error): void {
    if (this.settled) return;
    if (err instanceof AbortRequest) return this.settle(err);
    // The client's body failed (request_body's 413): its answer, not the upstream's fault.
    if (err instanceof HandlerError) return this.settle(new ClientBodyError(err));
    const code = (err as NodeJS.ErrnoException).code;
    if (this.controller === null) {
      // dial.ts's own errors (a dial failure, a handshake deadline) are already classified.
      if (err instanceof DialError || err instanceof UpstreamTimeout) return this.settle(err);
      const timeout = code === 'UND_ERR_CONNECT_TIMEOUT';
      return this.settle(new DialError(`dial tcp ${this.u.dial}: ${timeout ? 'i/o timeout' : (goErrnoText(code) ?? err.message)}`, timeout));
    }
    if (code === 'UND_ERR_HEADERS_TIMEOUT') return this.settle(new UpstreamTimeout('net/http: timeout awaiting response headers'));
    if (this.head !== null) return this.settle(new Error(`reading from upstream: ${err.message}`));
    this.settle(err);
  }
}

/** Streams an HTTP/2 session carries at once before undici opens another connection. */
const H2_STREAMS = 100;

/** Dispatchers per upstream for one handler; closed when the config goes away. */
export class UndiciTransport {
  private readonly dispatchers = new Map<Upstream, Dispatcher>();

  /** resolver: upstream names looked up through those DNS servers. */
  private readonly lookup: LookupFunction | null;

  constructor(private readonly cfg: TransportSettings) {
    this.lookup = cfg.resolvers.length > 0 ? (upstreamLookup(cfg.resolvers) as LookupFunction) : null;
  }

  private dispatcherFor(u: Upstream): Dispatcher {
    return this.dispatchers.get(u) ?? this.newDispatcher(u, null);
  }

  /** proxy_protocol: dispatchers per upstream and client IP, each last used at `last` (ms). */
  private readonly perClient = new Map<Upstream, Map<string, { d: Dispatcher; last: number }>>();
  private sweeper: NodeJS.Timeout | null = null;

  private clientDispatcher(u: Upstream, client: string): Dispatcher {
    let m = this.perClient.get(u);
    if (m === undefined) this.perClient.set(u, (m = new Map()));
    let e = m.get(client);
    if (e === undefined) {
      e = { d: this.newDispatcher(u, client), last: 0 };
      m.set(client, e);
      this.sweeper ??= setInterval(() => this.sweep(), this.cfg.idleTimeout).unref();
    }
    e.last = Date.now();
    return e.d;
  }

  /** Clients gone quiet for idle_timeout: their connections have closed, the dispatchers go too. */
  private sweep(): void {
    const old = Date.now() - this.cfg.idleTimeout;
    for (const m of this.perClient.values()) {
      for (const [k, e] of m) {
        if (e.last > old) continue;
        m.delete(k);
        void e.d.close().catch(() => {});
      }
    }
  }

  private newDispatcher(u: Upstream, client: string | null): Dispatcher {
    const { cfg } = this;
    const { addr } = u;
    const tls = tlsFor(cfg, u);
    const hostport = u.hostport.startsWith(':') ? `localhost${u.hostport}` : u.hostport;
    const origin = addr.network === 'unix' ? 'http://localhost' : `${tls === null ? 'http' : 'https'}://${hostport}`;
    const connect: Record<string, unknown> = {};
    if (addr.network === 'unix') connect.socketPath = addr.path;
    if (this.lookup !== null) connect.lookup = this.lookup;
    if (tls !== null) {
      Object.assign(connect, tlsConnectOptions(tls, addr.host));
      if (cfg.http2 === 'only') connect.ALPNProtocols = ['h2'];
    }
    // A port in except_ports is plain text: h2 (which needs TLS) becomes HTTP/1.1 there.
    const http2 = tls === null && cfg.http2 !== 'h2c' ? 'off' : cfg.http2;
    let dialer: ((o: unknown, cb: (err: Error | null, s: Socket | null) => void) => void) | null = null;
    if (ownDial(cfg)) {
      const tlsOpts = tls === null ? null : { ...connect, ALPNProtocols: cfg.http2 === 'only' ? ['h2'] : cfg.http2 === 'alpn' ? ['http/1.1', 'h2'] : ['http/1.1'] };
      const header = client === null ? Buffer.alloc(0) : proxyHeader(cfg.proxyProtocol!, client);
      const h2c = cfg.http2 === 'h2c';
      const port = Number(addr.port) || (tls === null ? 80 : 443);
      const host = addr.host === '' ? 'localhost' : addr.host;
      dialer = (_o: unknown, cb: (err: Error | null, s: Socket | null) => void): void => {
        if (header === null) return cb(new DialError(`dial tcp ${u.dial}: unexpected remote addr type in proxy protocol info`), null);
        const o: DialOptions = { host, port, timeout: cfg.dialTimeout, header: header.length === 0 ? null : header, tls: tlsOpts, handshakeTimeout: tls?.handshakeTimeout ?? 0, dial: u.dial };
        if (addr.network === 'unix') o.socketPath = addr.path;
        if (cfg.localAddress !== null) o.localAddress = cfg.localAddress;
        if (this.lookup !== null) o.lookup = this.lookup;
        if (cfg.forwardProxy !== null) o.forward = cfg.forwardProxy;
        dialWithHeader(o, (err, sock) => {
          // undici speaks h2 on a socket whose alpnProtocol says so; prior knowledge for h2c.
          if (sock !== null && h2c) (sock as Socket & { alpnProtocol?: string }).alpnProtocol = 'h2';
          cb(err, sock);
        });
      };
    }
    const common = {
      connectTimeout: cfg.dialTimeout,
      // Caddy waits for headers only as long as response_header_timeout says (none by default), and bodies forever.
      headersTimeout: cfg.responseHeaderTimeout,
      bodyTimeout: 0,
      keepAliveTimeout: cfg.idleTimeout,
      keepAliveMaxTimeout: cfg.idleTimeout,
      // A function dials itself (dial.ts); an object is undici's own connector's options.
      connect: (dialer ?? connect) as Record<string, unknown>,
      ...(cfg.localAddress !== null && { localAddress: cfg.localAddress }),
    };
    let d: Dispatcher;
    if (http2 === 'h2c') {
      d = new H2CClient(origin, { ...common, maxConcurrentStreams: H2_STREAMS, pipelining: H2_STREAMS });
    } else if (http2 === 'only') {
      d = new Client(origin, { ...common, allowH2: true, maxConcurrentStreams: H2_STREAMS, pipelining: H2_STREAMS });
    } else {
      // Unlimited connections, each kept while requests come: the pool grows to the load and churns none.
      // With ALPN the upstream may still pick HTTP/1.1, which must not be pipelined: one request per connection at a time.
      d = new Pool(origin, { ...common, connections: null, pipelining: 1, allowH2: http2 === 'alpn' });
    }
    if (client === null) this.dispatchers.set(u, d);
    return d;
  }

  private dispatch(ctx: Ctx, u: Upstream, method: string, path: string, headers: string[], body: NodeJS.ReadableStream | null, opts: ResponseOptions): Promise<void> {
    const ex = new Exchange(ctx, u, opts);
    const done = new Promise<void>((resolve, reject) => {
      ex.resolve = resolve;
      ex.reject = reject;
    });
    u.acquire();
    ctx.w.onClose(ex.onClientGone);
    (this.cfg.proxyProtocol === null ? this.dispatcherFor(u) : this.clientDispatcher(u, ctx.clientIP)).dispatch({ method, path, headers, reset: !this.cfg.keepAlive, body: body as Dispatcher.DispatchOptions['body'] }, ex);
    return done;
  }

  /** One try of a request without a body (request_headers.ts); resolves once the client has the whole response. */
  exchange(ctx: Ctx, u: Upstream, r: FastRequest, opts: ResponseOptions): Promise<void> {
    const headers = r.lines[0] === 'Host' ? r.lines : ['Host', u.hostport, ...r.lines];
    return this.dispatch(ctx, u, r.method, r.path, headers, null, opts);
  }

  /** One try of any request but an upgrade (the HTTP/2 transports), its body streamed from the client. */
  exchangePrepared(ctx: Ctx, u: Upstream, prep: PreparedRequest, headerUp: CompiledHeaderOps | null, opts: ResponseOptions): Promise<void> {
    const h = prep.headers.clone();
    if (h.get('host') === undefined) h.set('Host', [u.hostport]);
    headerUp?.apply(h, ctx.repl);
    // The client already had its 100 Continue from the server; undici refuses the field.
    h.del('expect');
    return this.dispatch(ctx, u, prep.method, prep.path, h.toLines(), prep.hasBody ? ctx.req : null, opts);
  }

  close(): void {
    for (const d of this.dispatchers.values()) void d.destroy().catch(() => {});
    this.dispatchers.clear();
    for (const m of this.perClient.values()) for (const e of m.values()) void e.d.destroy().catch(() => {});
    this.perClient.clear();
    if (this.sweeper !== null) clearInterval(this.sweeper);
  }
}
