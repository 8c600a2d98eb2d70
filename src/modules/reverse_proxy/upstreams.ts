/**
 * Upstreams (Caddy's reverseproxy.Upstream): a dial address, its in-flight
 * request count (least_conn and max_requests read it) and, for a dial
 * address with placeholders, the address resolved per request. Resolved
 * addresses share one Upstream each, so counts and keep-alive pools are per
 * real backend.
 */
import { compileTemplate, type Replacer, type Template } from '../../core/replacer.js';
import { type DialAddress, parseDialAddress } from '../../net/netaddr.js';

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
    this.addr = parseDialAddress(dial);
  }

  /** Caddy's Upstream.Healthy (passive checks only): fewer counted failures than max_fails. */
  healthy(): boolean {
    return this.maxFails === 0 || this.fails < this.maxFails;
  }

  /** Caddy's Upstream.Available: healthy and not full. */
  available(): boolean {
    if (!this.healthy()) return false;
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
  /** The upstream of a dial address without placeholders (the metrics read its health). */
  readonly fixed?: Upstream;
  /** The upstreams this source holds now (the admin API's /reverse_proxy/upstreams lists them). */
  known(): Iterable<Upstream>;
}

const DYNAMIC_CACHE_MAX = 1000;

/** `defaults`: what the passive health checks imply (max_fails, unhealthy_request_count). */
export function compileUpstreams(
  list: ReadonlyArray<{ dial: string; maxRequests: number }>,
  defaults: { maxFails: number; maxRequests: number } = { maxFails: 0, maxRequests: 0 },
): UpstreamSource[] {
  const shared = new Map<string, Upstream>();
  return list.map(({ dial, maxRequests }) => {
    const max = maxRequests > 0 ? maxRequests : defaults.maxRequests;
    if (!dial.includes('{')) {
      const fixed = new Upstream(dial, max, defaults.maxFails);
      return { resolve: () => fixed, fixed, known: () => [fixed] };
    }
    const tpl: Template = compileTemplate(dial, 'empty');
    return {
      known: () => shared.values(),
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
