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
import { displayAddress, type ListenAddress } from './listen.js';
import type { EngineLog } from '../../core/log.js';
import type { Server, ServerLimits } from './server.js';
import { upgradeResponse } from './upgrade.js';
import { NodeResponseWriter } from './node_response.js';

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

export class Listener {
  target: Server;
  /** Set while closing: responses then ask the client to close the connection. */
  draining = false;
  readonly http: NodeServer;

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
    this.http.on('clientError', onClientError);
    // Upgrade requests (WebSocket) run through the routes like any other; see upgrade.ts.
    this.http.on('upgrade', (req: IncomingMessage, socket: Duplex, head: Buffer) => this.target.handle(req, new NodeResponseWriter(upgradeResponse(req, socket), this.target.countsBody, { socket, head })));
  }

  /** Points the listener at a new config's server; new limits apply to new connections (the check interval stays). */
  retarget(target: Server): void {
    this.target = target;
    applyLimits(this.http, target.limits);
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
    const closed = new Promise<void>((resolve) => this.http.close(() => resolve()));
    const sweep = setInterval(() => this.http.closeIdleConnections(), 50);
    let timer: NodeJS.Timeout | undefined;
    const timeout = graceMs > 0 ? new Promise<void>((resolve) => (timer = setTimeout(resolve, graceMs))) : null;
    await (timeout ? Promise.race([closed, timeout]) : closed);
    clearInterval(sweep);
    if (timer !== undefined) clearTimeout(timer);
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
