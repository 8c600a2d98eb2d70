/**
 * Sockets outlive configs. A Listener is one node:http server on one
 * address; it forwards each request to its current target Server. A reload
 * opens the addresses that are new, points every kept listener at its new
 * Server (a plain assignment per listener, done in one synchronous pass, so
 * no request sees half a switch) and closes the addresses that went away,
 * gracefully. Requests already running keep the Server they started on.
 */
import { existsSync, lstatSync, unlinkSync } from 'node:fs';
import { createServer, type IncomingMessage, type Server as NodeServer } from 'node:http';
import type { Duplex } from 'node:stream';
import type { AddressInfo, Socket } from 'node:net';
import { createSecureContext, type SecureContext, TLSSocket } from 'node:tls';
import { displayAddress, type ListenAddress } from './listen.js';
import type { EngineLog } from '../../core/log.js';
import type { Server, ServerLimits, ServerTLS } from './server.js';
import { clientAuthAccepts, requiresClientCert, selectPolicy } from '../../tls/connection_policy.js';
import { upgradeResponse } from './upgrade.js';
import { acmeTLS1, isACMETLSALPN, tlsALPNChallenge } from './acme_challenge.js';
import { NodeResponseWriter } from './node_response.js';
import { H2Front } from './h2_server.js';
import type { ListenerProtocols } from './protocols.js';
import { closeUpgraded } from '../../core/tunnels.js';

/** What an h2c client sends first (RFC 9113 §3.4); an HTTP/1.1 request line never starts with it. */
const H2_PREFACE = Buffer.from('PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n', 'latin1');

/** ALPN names a listener's protocols leave out (Caddy's removeTLSALPN); others (acme-tls/1) stay. */
function alpnAllowed(p: string, lp: ListenerProtocols): boolean {
  return p === 'h2' ? lp.h2 : p === 'http/1.1' ? lp.h1 : true;
}

/** How llhttp failures map to what Go's net/http answers (checked against Caddy 2.6.2). */
function clientErrorResponse(code: string | undefined): [number, string] | null {
  switch (code) {
    case 'HPE_HEADER_OVERFLOW':
      // Go counts the request line in MaxHeaderBytes, so an overlong URL is a 431 in Caddy too (not a 414).
      return [431, 'Request Header Fields Too Large'];
    case 'HPE_INVALID_VERSION':
      return [505, 'HTTP Version Not Supported: unsupported protocol version'];
    case 'HPE_CHUNK_EXTENSIONS_OVERFLOW':
      return [413, 'Request Entity Too Large'];
    case 'ERR_HTTP_REQUEST_TIMEOUT':
    case 'ECONNRESET':
    case 'EPIPE':
      // Go closes a connection whose headers did not arrive in time without a word.
      return null;
    default:
      return [400, 'Bad Request'];
  }
}

function onClientError(err: NodeJS.ErrnoException, socket: Socket): void {
  const answer = clientErrorResponse(err.code);
  if (answer === null || !socket.writable || (socket as Socket & { _httpMessage?: { headersSent?: boolean } })._httpMessage?.headersSent) {
    socket.destroy();
    return;
  }
  const [status, text] = answer;
  socket.end(`HTTP/1.1 ${status} ${text}\r\nContent-Type: text/plain; charset=utf-8\r\nConnection: close\r\n\r\n${status} ${text}`);
}

/** Node checks header and request timeouts on an interval; keep it well under the shortest timeout. */
function checkingInterval(limits: ServerLimits): number {
  const timeouts = [limits.readHeaderTimeout, limits.readTimeout].filter((t) => t > 0);
  if (timeouts.length === 0) return 1000;
  return Math.max(100, Math.min(1000, Math.floor(Math.min(...timeouts) / 2)));
}

function applyLimits(http: NodeServer, limits: ServerLimits): void {
  // Node's request timeout covers headers and body, like Go's ReadTimeout; its
  // headers timeout must not exceed it.
  http.requestTimeout = limits.readTimeout;
  http.headersTimeout = limits.readTimeout > 0 && limits.readHeaderTimeout > 0 ? Math.min(limits.readHeaderTimeout, limits.readTimeout) : limits.readHeaderTimeout || limits.readTimeout;
  http.keepAliveTimeout = limits.idleTimeout;
  // Go allows MaxHeaderBytes plus 4096 bytes of slack; read per new connection.
  (http as NodeServer & { maxHeaderSize: number }).maxHeaderSize = limits.maxHeaderSize + 4096;
}

/**
 * How this process binds, set once at start by a request worker
 * (src/runtime/supervisor_worker.ts): with `reusePort` every worker thread
 * owns a listener on each TCP address and the kernel spreads connections
 * across them; a unix socket cannot be shared that way (binding it again
 * would replace the file), so only the worker that `ownsUnixSockets` binds it.
 */
export const listenMode = { reusePort: false, ownsUnixSockets: true };

/** Whether the client's certificate satisfies the policy's client_authentication mode (checked once the handshake is done). */
function clientAuthOK(s: TLSSocket, tls: ServerTLS): boolean {
  const auth = selectPolicy(tls.policies, (s.servername || '').toLowerCase())?.clientAuth;
  return !auth || clientAuthAccepts(auth, s.getPeerX509Certificate());
}

export class Listener {
  target: Server;
  /** Set while closing: responses then ask the client to close the connection. */
  draining = false;
  readonly http: NodeServer;
  /** Sockets an upgrade took over (WebSocket tunnels): node:http no longer drains them, close() ends them. */
  private readonly upgraded = new Set<Duplex>();
  /** node:http's own connection handling, which gets plain sockets and finished TLS sockets alike. */
  private readonly serveConnection: Array<(socket: Socket) => void>;
  /** Raw sockets whose TLS handshake has not finished (closed with the listener). */
  private readonly handshaking = new Set<Socket>();
  /**
   * The first context of a handshake with no certificate of its own for the
   * client's address: SNI picks the real one. Its session-ticket keys are
   * the listener's (random per process; shared keys across workers come later).
   */
  private readonly blankContext: SecureContext = createSecureContext({});
  /** HTTP/2 for this listener, made on the first connection that speaks it. */
  private h2front: H2Front | null = null;

  constructor(readonly addr: ListenAddress, target: Server) {
    this.target = target;
    this.http = createServer({
      // Go's rules for Host are applied in Server.handle, with Go's answers.
      requireHostHeader: false,
      maxHeaderSize: target.limits.maxHeaderSize + 4096,
      connectionsCheckingInterval: checkingInterval(target.limits),
      keepAlive: true,
    }, (req, res) => {
      if (this.draining) res.shouldKeepAlive = false;
      this.target.handle(req, new NodeResponseWriter(res, this.target.countsBody));
    });
    applyLimits(this.http, target.limits);
    // A connection is plain or TLS by the server the listener points at when it arrives.
    this.serveConnection = this.http.listeners('connection') as Array<(socket: Socket) => void>;
    this.http.removeAllListeners('connection');
    this.http.on('connection', (socket: Socket) => {
      const target = this.target;
      const tls = target.tls;
      if (tls !== null && tls.addresses.has(this.addr.key)) this.handshake(socket, tls);
      else {
        const lp = target.protocolsAt(this.addr.key);
        if (lp.h2c || !lp.h1) this.sniffPreface(socket, lp);
        else for (const fn of this.serveConnection) fn.call(this.http, socket);
      }
    });
    this.http.on('clientError', onClientError);
    // Upgrade requests (WebSocket) run through the routes like any other; see upgrade.ts.
    this.http.on('upgrade', (req: IncomingMessage, socket: Duplex, head: Buffer) => {
      this.upgraded.add(socket);
      socket.once('close', () => this.upgraded.delete(socket));
      this.target.handle(req, new NodeResponseWriter(upgradeResponse(req, socket), this.target.countsBody, { socket, head }));
    });
  }

  /**
   * Terminates TLS on a raw socket, then hands it to node:http. The first
   * context is the certificate for a client that sends no SNI (default_sni,
   * else the local address); SNICallback asks the server's certificate source.
   */
  private handshake(raw: Socket, tls: ServerTLS): void {
    this.handshaking.add(raw);
    raw.once('close', () => this.handshaking.delete(raw));
    const local = (raw.localAddress ?? '').replace(/^::ffff:/, '');
    void tls.secureContext('', { localAddress: local }).then(
      (ctx) => this.startTLS(raw, tls, ctx),
      () => this.startTLS(raw, tls, this.blankContext),
    );
  }

  private h2(): H2Front {
    return (this.h2front ??= new H2Front(() => this.target));
  }

  /**
   * A plain connection on a listener with h2c (or without h1): the first
   * bytes tell an HTTP/2 preface from an HTTP/1.1 request, and the connection
   * goes, unread, to the one its protocols allow; the other is closed, as
   * Caddy's http2Listener does.
   */
  private sniffPreface(socket: Socket, lp: ListenerProtocols): void {
    this.handshaking.add(socket);
    let seen: Buffer | null = null;
    const timer = setTimeout(() => socket.destroy(), this.target.limits.readHeaderTimeout || 60_000);
    timer.unref();
    const onData = (chunk: Buffer): void => {
      seen = seen === null ? chunk : Buffer.concat([seen, chunk]);
      const n = Math.min(seen.length, H2_PREFACE.length);
      const isH2 = seen.subarray(0, n).equals(H2_PREFACE.subarray(0, n));
      if (isH2 && n < H2_PREFACE.length) return;
      clearTimeout(timer);
      socket.off('data', onData);
      socket.off('close', onClose);
      this.handshaking.delete(socket);
      socket.pause();
      socket.unshift(seen);
      if (isH2 ? !lp.h2c : !lp.h1) {
        socket.destroy();
        return;
      }
      if (isH2) this.h2().serve(socket);
      else {
        for (const fn of this.serveConnection) fn.call(this.http, socket);
        socket.resume();
      }
    };
    const onClose = (): void => {
      clearTimeout(timer);
      this.handshaking.delete(socket);
    };
    socket.on('data', onData);
    socket.once('close', onClose);
    socket.on('error', () => socket.destroy());
  }

  private startTLS(raw: Socket, tls: ServerTLS, first: SecureContext): void {
    if (raw.destroyed) return;
    const lp = this.target.protocolsAt(this.addr.key);
    let acmeTLS = false;
    const s = new TLSSocket(raw, {
      isServer: true,
      secureContext: first,
      requestCert: tls.requestCert,
      // On a bare TLSSocket this is only OpenSSL's FAIL_IF_NO_PEER_CERT (the verdict is clientAuthOK's):
      // a client without a certificate gets an alert in the handshake, as from Go.
      rejectUnauthorized: requiresClientCert(tls.policies),
      SNICallback: (name, cb) => void (acmeTLS ? tlsALPNChallenge(name, raw.remoteAddress ?? '') : tls.secureContext(name, { localAddress: raw.localAddress, remoteAddress: raw.remoteAddress, remotePort: raw.remotePort })).then((c) => cb(null, c), (err: Error) => cb(err)),
      // TLS-ALPN-01 (acme_challenge.ts): ALPN is chosen before the certificate.
      ALPNCallback: ({ servername, protocols }) => (acmeTLS = isACMETLSALPN(protocols)) ? acmeTLS1 : selectPolicy(tls.policies, (servername || '').toLowerCase())?.alpn.find((p) => protocols.includes(p) && alpnAllowed(p, lp)),
    });
    const limit = this.target.limits.readHeaderTimeout || 60_000;
    const timer = setTimeout(() => s.destroy(), limit);
    timer.unref();
    s.on('error', () => {
      clearTimeout(timer);
      s.destroy();
    });
    s.once('secure', () => {
      clearTimeout(timer);
      this.handshaking.delete(raw);
      if (!clientAuthOK(s, tls)) {
        s.destroy();
        return;
      }
      if (s.alpnProtocol === 'h2') {
        // Only a tls.Server clears this flag; node:http2 waits for it to drop before it sets the session up.
        (s as TLSSocket & { secureConnecting: boolean }).secureConnecting = false;
        this.h2().serve(s);
      } else if (lp.h1) for (const fn of this.serveConnection) fn.call(this.http, s);
      else s.destroy();
    });
  }

  /** Points the listener at a new config's server; new limits apply to new connections (the check interval stays). */
  retarget(target: Server): void {
    this.target = target;
    applyLimits(this.http, target.limits);
    this.h2front?.retarget(target.limits);
  }

  /** The address as bound (the real port when the config said 0). */
  boundAddress(): string {
    const a = this.http.address();
    if (a === null) return this.addr.key;
    if (typeof a === 'string') return `unix/${a}`;
    const info = a as AddressInfo;
    return info.family === 'IPv6' ? `[${info.address}]:${info.port}` : `${info.address}:${info.port}`;
  }

  open(): Promise<void> {
    const { addr } = this;
    return new Promise((resolve, reject) => {
      const onError = (err: Error) => reject(new Error(`listening on ${displayAddress(addr)}: ${err.message}`));
      this.http.once('error', onError);
      const done = () => {
        this.http.off('error', onError);
        resolve();
      };
      if (addr.network === 'unix') {
        if (!listenMode.ownsUnixSockets) {
          done();
          return;
        }
        // A socket file left by an earlier run would make listen fail; only sockets are removed.
        if (existsSync(addr.path) && lstatSync(addr.path).isSocket()) unlinkSync(addr.path);
        this.http.listen(addr.path, done);
        return;
      }
      let host: string | undefined = addr.host === '' ? undefined : addr.host;
      if (host === undefined && addr.network === 'tcp4') host = '0.0.0.0';
      if (host === undefined && addr.network === 'tcp6') host = '::';
      this.http.listen({ port: addr.port, host, ipv6Only: addr.network === 'tcp6', reusePort: listenMode.reusePort }, done);
    });
  }

  /**
   * Stops accepting, lets running requests finish (idle keep-alive
   * connections are closed as soon as they are idle), and after `graceMs`
   * (0 = no limit, as in Caddy) cuts whatever is left.
   */
  async close(graceMs: number): Promise<void> {
    this.draining = true;
    // A tunnel never goes idle, so a graceful close (eternal by default) would
    // wait for it forever; Caddy closes hijacked connections when its servers stop.
    // WebSockets through reverse_proxy get their 1001 close frames first (src/core/tunnels.ts).
    for (const s of [...this.upgraded]) closeUpgraded(s);
    for (const s of this.handshaking) s.destroy();
    // HTTP/2 connections get a GOAWAY: running streams finish, no new ones start.
    this.h2front?.drain();
    const closed = new Promise<void>((resolve) => this.http.close(() => resolve()));
    const sweep = setInterval(() => this.http.closeIdleConnections(), 50);
    let timer: NodeJS.Timeout | undefined;
    const timeout = graceMs > 0 ? new Promise<void>((resolve) => (timer = setTimeout(resolve, graceMs))) : null;
    await (timeout ? Promise.race([closed, timeout]) : closed);
    clearInterval(sweep);
    if (timer !== undefined) clearTimeout(timer);
    this.h2front?.destroyAll();
    this.http.closeAllConnections();
    await closed;
  }
}

/** All listeners of the process, by address key. */
export class ListenerPool {
  private readonly listeners = new Map<string, Listener>();
  /** Listeners a newer config dropped, until the config they serve stops. */
  private readonly detached = new Set<Listener>();

  constructor(private readonly log: EngineLog) {}

  get size(): number {
    return this.listeners.size;
  }

  /** Listener addresses as bound, per server name. */
  addresses(): Map<string, string[]> {
    const out = new Map<string, string[]>();
    for (const l of this.listeners.values()) {
      const list = out.get(l.target.name) ?? [];
      list.push(l.boundAddress());
      out.set(l.target.name, list);
    }
    return out;
  }

  /**
   * Makes the pool serve `servers`. New addresses are opened first; if one
   * fails, the ones just opened are closed again and nothing else changed.
   * Listeners no longer wanted leave the pool still pointing at the old
   * config's servers; that config's stop() takes them with release().
   */
  async apply(servers: readonly Server[]): Promise<void> {
    const wanted = new Map<string, Server>();
    for (const s of servers) {
      for (const a of s.listen) {
        // validateConfig catches literal repeats; this catches ones that {env.*} produced.
        const owner = wanted.get(a.key);
        if (owner !== undefined) throw new Error(`server ${s.name}: listener address repeated: ${displayAddress(a)} (already claimed by server '${owner.name}')`);
        wanted.set(a.key, s);
      }
    }

    const opened: Listener[] = [];
    try {
      for (const s of servers) {
        for (const a of s.listen) {
          if (this.listeners.has(a.key)) continue;
          const l = new Listener(a, s);
          opened.push(l);
          await l.open();
        }
      }
    } catch (err) {
      await Promise.all(opened.map((l) => l.close(1)));
      throw err;
    }

    // The switch: synchronous, so every listener changes between two requests.
    for (const [key, server] of wanted) this.listeners.get(key)?.retarget(server);
    for (const l of opened) this.listeners.set(l.addr.key, l);
    for (const [key, l] of this.listeners) {
      if (!wanted.has(key)) {
        this.listeners.delete(key);
        this.detached.add(l);
      }
    }
    for (const l of opened) this.log('debug', 'http', 'listener opened', { server: l.target.name, address: l.boundAddress() });
  }

  /**
   * Detaches the listeners still serving `servers` (a config being stopped
   * or replaced): the ones a newer config did not keep, or all of them when
   * none replaced it. The caller closes them with its grace period.
   */
  release(servers: readonly Server[]): Listener[] {
    const mine = new Set(servers);
    const out: Listener[] = [];
    for (const l of this.detached) {
      if (mine.has(l.target)) {
        this.detached.delete(l);
        out.push(l);
      }
    }
    for (const [key, l] of this.listeners) {
      if (mine.has(l.target)) {
        this.listeners.delete(key);
        out.push(l);
      }
    }
    return out;
  }
}
