/**
 * The `http` transport (Caddy's reverseproxy.HTTPTransport), HTTP/1.1 only:
 * one keep-alive Agent per upstream (node:http, or node:https when `tls` is
 * set), Caddy's dial timeout (3 s default) and response header timeout, and
 * errors classified the way the retry rule needs them: a DialError means no
 * byte of the request reached the upstream.
 */
import { Agent as HttpAgent, type ClientRequest, type IncomingMessage, request as httpRequest, type OutgoingHttpHeaders } from 'node:http';
import { Agent as HttpsAgent, request as httpsRequest } from 'node:https';
import { isIP, type Socket } from 'node:net';
import { goErrnoText } from '../../go/errno.js';
import type { TransportSettings } from './config_transport.js';
import type { Upstream } from './upstreams.js';

/** Could not connect: always safe to retry (Caddy's DialError). */
export class DialError extends Error {
  override name = 'DialError';
  constructor(message: string, readonly timeout = false) {
    super(message);
  }
}

/** A timeout after connecting (Go's net.Error with Timeout()): Caddy answers 504. */
export class UpstreamTimeout extends Error {
  override name = 'UpstreamTimeout';
}

export interface RoundTripRequest {
  method: string;
  path: string;
  headers: OutgoingHttpHeaders;
}

/**
 * Agents per upstream for one handler; closed when the config goes away.
 */
export class Transport {
  private readonly agents = new Map<Upstream, HttpAgent>();

  constructor(readonly cfg: TransportSettings) {}

  get scheme(): 'http' | 'https' {
    return this.cfg.tls === null ? 'http' : 'https';
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
    if (this.cfg.tls !== null) {
      const host = u.addr.host;
      const servername = this.cfg.tls.serverName || (isIP(host) === 0 ? host : undefined);
      const { ca, cert, key } = this.cfg.tls;
      a = new HttpsAgent({ ...opts, rejectUnauthorized: !this.cfg.tls.insecureSkipVerify, servername, ...(ca && { ca }), ...(cert && key && { cert, key }) });
    } else {
      a = new HttpAgent(opts);
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
    const send = this.cfg.tls === null ? httpRequest : httpsRequest;
    const creq = send({ ...target, agent, method: r.method, path: r.path, headers: r.headers, timeout: 0, setHost: false });
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
        const stillDialing = s.connecting || (this.cfg.tls !== null && !(s as { _secureEstablished?: boolean })._secureEstablished && s.readyState === 'opening');
        if (!stillDialing) return ready();
        dialTimer = setTimeout(() => creq.destroy(new DialError(`dial tcp ${u.dial}: i/o timeout`, true)), this.cfg.dialTimeout);
        s.once(this.cfg.tls === null ? 'connect' : 'secureConnect', ready);
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
