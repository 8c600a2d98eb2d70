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
import { durationMs } from '../../go/duration.js';
import { goErrnoText } from '../../go/errno.js';
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

export interface TransportConfig {
  tls: { insecureSkipVerify: boolean; serverName: string } | null;
  dialTimeout: number;
  responseHeaderTimeout: number;
  keepAlive: boolean;
  idleTimeout: number;
  maxIdlePerHost: number;
}

import { isObject as isObj } from '../../go/json.js';

const KNOWN = new Set(['protocol', 'tls', 'dial_timeout', 'response_header_timeout', 'keep_alive', 'versions', 'dial_fallback_delay', 'expect_continue_timeout', 'read_buffer_size', 'write_buffer_size', 'max_response_header_size', 'compression', 'max_conns_per_host', 'read_timeout', 'write_timeout']);

/** Reads `transport`; refuses what tsweb cannot do yet, naming it. */
export function compileTransport(cfg: unknown): TransportConfig {
  const t = cfg === undefined || cfg === null ? { protocol: 'http' } : cfg;
  if (!isObj(t)) throw new Error('transport: must be an object');
  if (t.protocol !== 'http') throw new Error(`loading transport: module not supported by tsweb yet: http.reverse_proxy.transport.${String(t.protocol)}`);
  for (const k of Object.keys(t)) if (!KNOWN.has(k)) throw new Error(`transport http: ${k} is not supported by tsweb yet`);
  if (t.versions !== undefined) {
    const v = t.versions;
    if (!Array.isArray(v) || v.length === 0) throw new Error('transport http: versions must be a non-empty list');
    if (v.includes('h2c') || !v.includes('1.1')) throw new Error(`transport http: versions ${JSON.stringify(v)}: tsweb proxies over HTTP/1.1 only for now (h2c and HTTP/2-only upstreams are not supported yet)`);
  }
  let tls: TransportConfig['tls'] = null;
  if (t.tls !== undefined && t.tls !== null) {
    if (!isObj(t.tls)) throw new Error('transport http: tls must be an object');
    for (const k of Object.keys(t.tls)) {
      if (k !== 'insecure_skip_verify' && k !== 'server_name') throw new Error(`transport http: tls ${k} is not supported by tsweb yet`);
    }
    tls = { insecureSkipVerify: t.tls.insecure_skip_verify === true, serverName: typeof t.tls.server_name === 'string' ? t.tls.server_name : '' };
  }
  const ka = isObj(t.keep_alive) ? t.keep_alive : {};
  return {
    tls,
    dialTimeout: durationMs(t.dial_timeout, 'dial_timeout') || 3000,
    responseHeaderTimeout: durationMs(t.response_header_timeout, 'response_header_timeout'),
    keepAlive: ka.enabled !== false,
    // Go's defaults as Caddy sets them: idle connections live 2 minutes, 32 per host.
    idleTimeout: durationMs(ka.idle_timeout, 'keep_alive.idle_timeout') || 120_000,
    maxIdlePerHost: typeof ka.max_idle_conns_per_host === 'number' && ka.max_idle_conns_per_host > 0 ? ka.max_idle_conns_per_host : typeof ka.max_idle_conns === 'number' && ka.max_idle_conns > 0 ? ka.max_idle_conns : 32,
  };
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

  constructor(readonly cfg: TransportConfig) {}

  get scheme(): 'http' | 'https' {
    return this.cfg.tls === null ? 'http' : 'https';
  }

  private agentFor(u: Upstream): HttpAgent {
    let a = this.agents.get(u);
    if (a !== undefined) return a;
    const opts = {
      keepAlive: this.cfg.keepAlive,
      maxFreeSockets: this.cfg.maxIdlePerHost,
      // The agent's timeout applies to idle sockets; requests set their own (none).
      timeout: this.cfg.idleTimeout,
      scheduling: 'lifo' as const,
    };
    if (this.cfg.tls !== null) {
      const host = u.addr.host;
      const servername = this.cfg.tls.serverName || (isIP(host) === 0 ? host : undefined);
      a = new HttpsAgent({ ...opts, rejectUnauthorized: !this.cfg.tls.insecureSkipVerify, servername });
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
