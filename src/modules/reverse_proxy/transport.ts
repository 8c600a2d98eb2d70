/**
 * The `http` transport (Caddy's reverseproxy.HTTPTransport), HTTP/1.1 only:
 * one keep-alive Agent per upstream (node:http, or node:https when `tls` is
 * set), Caddy's dial timeout (3 s default) and response header timeout, and
 * errors classified the way the retry rule needs them: a DialError means no
 * byte of the request reached the upstream.
 */
import { Agent as HttpAgent, type ClientRequest, type ClientRequestArgs, type IncomingMessage, request as httpRequest, type OutgoingHttpHeaders } from 'node:http';
import { Agent as HttpsAgent, request as httpsRequest } from 'node:https';
import type { LookupFunction, Socket } from 'node:net';
import type { Duplex } from 'node:stream';
import type { ConnectionOptions } from 'node:tls';
import { goErrnoText } from '../../go/errno.js';
import type { TransportSettings } from './config_transport.js';
import type { Upstream } from './upstreams.js';
import { dialWithHeader, ownDial } from './dial.js';
import { proxyHeader } from './proxy_protocol.js';
import { tlsConnectOptions, tlsFor } from './tls_options.js';
import { upstreamLookup } from './dynamic_dns.js';

import { DialError, UpstreamTimeout } from './transport_errors.js';

export { DialError, UpstreamTimeout };

export interface RoundTripRequest {
  method: string;
  path: string;
  headers: OutgoingHttpHeaders;
  /** The client IP, for proxy_protocol's header (and the pool it keys). */
  client: string;
}

/** Request options our agents read: the client whose PROXY header a connection carries. */
type PPRequestOptions = ClientRequestArgs & { ppClient?: string };

/**
 * An Agent whose connections dial.ts makes (proxy_protocol, tls
 * handshake_timeout). With proxy_protocol, connections are keyed per
 * client IP too: a connection carries one client's header.
 */
function dialingAgent(base: typeof HttpAgent, cfg: TransportSettings, u: Upstream, tls: ConnectionOptions | null): typeof HttpAgent {
  const version = cfg.proxyProtocol;
  const handshakeTimeout = cfg.tls?.handshakeTimeout ?? 0;
  return class extends base {
    override getName(o?: PPRequestOptions): string {
      return version === null ? super.getName(o) : `${super.getName(o)}|${o?.ppClient ?? ''}`;
    }
    override createConnection(args: ClientRequestArgs, done?: (err: Error | null, s: Duplex) => void): undefined {
      const o = args as PPRequestOptions & ConnectionOptions;
      const cb = (err: Error | null, s: Socket | null): void => done?.(err, s as Duplex);
      const header = version === null ? Buffer.alloc(0) : proxyHeader(version, o.ppClient ?? '');
      if (header === null) {
        process.nextTick(cb, new DialError(`dial tcp ${u.dial}: unexpected remote addr type in proxy protocol info`), null);
        return undefined;
      }
      const { socketPath } = o;
      dialWithHeader(
        {
          host: String(o.host ?? 'localhost'),
          port: Number(o.port),
          ...(socketPath !== undefined && { socketPath }),
          ...(cfg.localAddress !== null && { localAddress: cfg.localAddress }),
          ...(o.lookup !== undefined && { lookup: o.lookup }),
          ...(cfg.forwardProxy !== null && { forward: cfg.forwardProxy }),
          timeout: cfg.dialTimeout,
          header: header.length === 0 ? null : header,
          tls,
          handshakeTimeout,
          dial: u.dial,
        },
        cb,
      );
      return undefined;
    }
  } as typeof HttpAgent;
}

/**
 * Agents per upstream for one handler; closed when the config goes away.
 */
export class Transport {
  private readonly agents = new Map<Upstream, HttpAgent>();

  /** local_address and resolver, when set: every dial binds / resolves with them. */
  private readonly dialExtra: { localAddress?: string; lookup?: LookupFunction };

  constructor(readonly cfg: TransportSettings) {
    this.dialExtra = {};
    if (cfg.localAddress !== null) this.dialExtra.localAddress = cfg.localAddress;
    if (cfg.resolvers.length > 0) this.dialExtra.lookup = upstreamLookup(cfg.resolvers) as LookupFunction;
  }

  private agentFor(u: Upstream): HttpAgent {
    let a = this.agents.get(u);
    if (a !== undefined) return a;
    const opts = {
      keepAlive: this.cfg.keepAlive,
      // Unset: keep every socket that was in use, so steady load opens none.
      maxFreeSockets: this.cfg.maxIdlePerHost || Infinity,
      // The agent's timeout applies to idle sockets; requests set their own (none).
      timeout: this.cfg.idleTimeout,
      scheduling: 'lifo' as const,
    };
    const tls = tlsFor(this.cfg, u);
    const tlsOpts = tls === null ? null : tlsConnectOptions(tls, u.addr.host);
    const own = ownDial(this.cfg);
    if (tlsOpts !== null) {
      const Https = own ? (dialingAgent(HttpsAgent as typeof HttpAgent, this.cfg, u, tlsOpts) as typeof HttpsAgent) : HttpsAgent;
      a = new Https({ ...opts, ...tlsOpts });
    } else {
      a = new (own ? dialingAgent(HttpAgent, this.cfg, u, null) : HttpAgent)(opts);
    }
    this.agents.set(u, a);
    return a;
  }

  /**
   * Sends the request head; `onConnected` is where the caller starts the body
   * (only once connected, so a dial failure consumed nothing and may be retried).
   * Resolves with the response (or the 101 upgrade: `upgrade` set).
   */
  roundTrip(u: Upstream, r: RoundTripRequest, onConnected: (creq: ClientRequest) => void): { creq: ClientRequest; response: Promise<UpstreamResponse> } {
    const { addr } = u;
    const agent = this.agentFor(u);
    const target = addr.network === 'unix' ? { socketPath: addr.path } : { host: addr.host === '' ? 'localhost' : addr.host, port: Number(addr.port) };
    const send = tlsFor(this.cfg, u) === null ? httpRequest : httpsRequest;
    const creq = send({ ...target, ...this.dialExtra, ...(this.cfg.proxyProtocol !== null && { ppClient: r.client }), agent, method: r.method, path: r.path, headers: r.headers, timeout: 0, setHost: false });
    const response = new Promise<UpstreamResponse>((resolve, reject) => {
      let connected = false;
      let dialTimer: NodeJS.Timeout | undefined;
      let headerTimer: NodeJS.Timeout | undefined;
      const clear = () => {
        if (dialTimer !== undefined) clearTimeout(dialTimer);
        if (headerTimer !== undefined) clearTimeout(headerTimer);
      };
      const ready = () => {
        if (connected) return;
        connected = true;
        if (dialTimer !== undefined) clearTimeout(dialTimer);
        onConnected(creq);
      };
      creq.on('socket', (s: Socket) => {
        const stillDialing = s.connecting || (send === httpsRequest && !(s as { _secureEstablished?: boolean })._secureEstablished && s.readyState === 'opening');
        if (!stillDialing) return ready();
        dialTimer = setTimeout(() => creq.destroy(new DialError(`dial tcp ${u.dial}: i/o timeout`, true)), this.cfg.dialTimeout);
        s.once(send === httpsRequest ? 'secureConnect' : 'connect', ready);
      });
      if (this.cfg.responseHeaderTimeout > 0) {
        creq.on('finish', () => {
          headerTimer = setTimeout(() => creq.destroy(new UpstreamTimeout('net/http: timeout awaiting response headers')), this.cfg.responseHeaderTimeout);
        });
      }
      creq.on('error', (err) => {
        clear();
        if (err instanceof DialError || err instanceof UpstreamTimeout) return reject(err);
        reject(connected ? err : new DialError(`dial tcp ${u.dial}: ${goErrnoText((err as NodeJS.ErrnoException).code) ?? err.message}`));
      });
      creq.on('response', (res) => {
        clear();
        resolve({ res, upgrade: null });
      });
      creq.on('upgrade', (res, socket, head) => {
        clear();
        resolve({ res, upgrade: { socket, head } });
      });
    });
    return { creq, response };
  }

  close(): void {
    for (const a of this.agents.values()) a.destroy();
    this.agents.clear();
  }
}

export interface UpstreamResponse {
  res: IncomingMessage;
  upgrade: { socket: Socket; head: Buffer } | null;
}
