/**
 * Upstreams (Caddy's reverseproxy.Upstream): a dial address, its in-flight
 * request count (least_conn and max_requests read it) and, for a dial
 * address with placeholders, the address resolved per request. Resolved
 * addresses share one Upstream each, so counts and keep-alive pools are per
 * real backend.
 */
import { compileTemplate, type Replacer, type Template } from '../../core/replacer.js';
import { splitHostPort } from '../../net/ip.js';

export interface DialAddress {
  network: 'tcp' | 'unix';
  /** host (unbracketed) and port for tcp; the socket path for unix. */
  host: string;
  port: string;
  path: string;
}

/** Caddy's ParseNetworkAddress for a single dial address: "host:port", "[::1]:80", "unix//path". */
export function parseDial(dial: string): DialAddress {
  let network = 'tcp';
  let rest = dial;
  const slash = dial.indexOf('/');
  if (slash > 0 && !dial.slice(0, slash).includes(':')) {
    network = dial.slice(0, slash);
    rest = dial.slice(slash + 1);
  }
  if (network === 'unix') return { network: 'unix', host: '', port: '', path: rest };
  if (network !== 'tcp' && network !== 'tcp4' && network !== 'tcp6') throw new Error(`upstream ${dial}: network ${network} is not supported`);
  const hp = splitHostPort(rest);
  if (hp === null) throw new Error(`upstream ${dial}: missing port in address`);
  const [host, port] = hp;
  if (!/^\d+$/.test(port) || Number(port) > 65535) throw new Error(`upstream ${dial}: invalid port "${port}"`);
  return { network: 'tcp', host, port, path: '' };
}

export class Upstream {
  /** Requests in flight to this upstream. */
  inflight = 0;
  /** Failures counted by the passive health checks and not yet expired. */
  fails = 0;
  readonly addr: DialAddress;

  constructor(
    /** The dial address as resolved ("localhost:8081"). */
    readonly dial: string,
    /** 0: no limit (Caddy's max_requests). */
    readonly maxRequests = 0,
    /** Unavailable at this many counted failures; 0: failures are not counted. */
    readonly maxFails = 0,
  ) {
    this.addr = parseDial(dial);
  }

  /** Caddy's Upstream.Available: healthy (passive checks only) and not full. */
  available(): boolean {
    if (this.maxFails > 0 && this.fails >= this.maxFails) return false;
    return this.maxRequests === 0 || this.inflight < this.maxRequests;
  }

  /** The host:port Caddy reports as {http.reverse_proxy.upstream.hostport}. */
  get hostport(): string {
    if (this.addr.network === 'unix') return this.dial;
    return this.addr.host.includes(':') ? `[${this.addr.host}]:${this.addr.port}` : `${this.addr.host}:${this.addr.port}`;
  }
}

/** One configured upstream: fixed, or a template resolved per request. */
export interface UpstreamSource {
  resolve(repl: Replacer): Upstream;
}

const DYNAMIC_CACHE_MAX = 1000;

/** `defaults`: what the passive health checks imply (max_fails, unhealthy_request_count). */
export function compileUpstreams(list: unknown, defaults: { maxFails: number; maxRequests: number } = { maxFails: 0, maxRequests: 0 }): UpstreamSource[] {
  if (list === undefined || list === null) return [];
  if (!Array.isArray(list)) throw new Error('upstreams: must be a list');
  const shared = new Map<string, Upstream>();
  return list.map((u, i) => {
    if (u === null || typeof u !== 'object' || typeof (u as { dial?: unknown }).dial !== 'string') throw new Error(`upstreams[${i}]: a dial address is required`);
    const { dial, max_requests: maxRequests } = u as { dial: string; max_requests?: unknown };
    const max = typeof maxRequests === 'number' && maxRequests > 0 ? maxRequests : defaults.maxRequests;
    for (const key of Object.keys(u)) {
      if (key !== 'dial' && key !== 'max_requests') throw new Error(`upstreams[${i}]: ${key} is not supported yet`);
    }
    if (!dial.includes('{')) {
      const fixed = new Upstream(dial, max, defaults.maxFails);
      return { resolve: () => fixed };
    }
    const tpl: Template = compileTemplate(dial, 'empty');
    return {
      resolve(repl) {
        const addr = tpl(repl);
        let up = shared.get(addr);
        if (up === undefined) {
          up = new Upstream(addr, max, defaults.maxFails);
          if (shared.size >= DYNAMIC_CACHE_MAX) shared.clear();
          shared.set(addr, up);
        }
        return up;
      },
    };
  });
}
