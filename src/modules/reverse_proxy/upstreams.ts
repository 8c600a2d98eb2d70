/**
 * Upstreams (Caddy's reverseproxy.Upstream): a dial address, its in-flight
 * request count (least_conn and max_requests read it) and, for a dial
 * address with placeholders, the address resolved per request. Resolved
 * addresses share one Upstream each per handler, so keep-alive pools are per
 * real backend; counts are per dial address for the whole server.
 */
import { compileTemplate, type Replacer, type Template } from '../../core/replacer.js';
import { isPrimaryWorker, provisionKey, type SharedEntry, sharedEntry } from '../../core/shared/index.js';
import { type DialAddress, parseDialAddress } from '../../net/netaddr.js';

// Counters of an upstream's shared entry (src/core/shared: a total over every worker).
const INFLIGHT = 0;
const FAILS = 1;
// A plain cell of the per-handler entry: 1 while the active checks say down.
const ACTIVE_DOWN = 0;

/**
 * In-flight requests and counted failures are one value per dial address
 * for the whole server, as Caddy's `hosts` pool keeps them: shared by every
 * handler, kept across reloads, and with `workers N` seen alike by every
 * worker (an Atomics.add on a shared Int32 where there was a `++`). The
 * active health verdict is per handler (Caddy #7870) but shared by workers,
 * so the probes can run in the primary worker alone
 * (src/core/shared `isPrimaryWorker`).
 */
export class Upstream {
  private readonly host: SharedEntry;
  private readonly active: SharedEntry | null;
  /** What this thread last read of `inflight`: `u.inflight++` is a read then a write, and the write adds the difference. */
  private seen = 0;
  readonly addr: DialAddress;

  constructor(
    /** The dial address as resolved ("localhost:8081"). */
    readonly dial: string,
    /** 0: no limit (Caddy's max_requests). */
    readonly maxRequests = 0,
    /** Unavailable at this many counted failures; 0: failures are not counted. */
    readonly maxFails = 0,
    /** The handler's key (compileUpstreams): where its active health verdict is kept; none: always up. */
    handlerKey?: string,
  ) {
    this.addr = parseDialAddress(dial);
    this.host = sharedEntry(`upstream ${dial}`);
    this.active = handlerKey === undefined ? null : sharedEntry(`active ${handlerKey} ${dial}`);
    // A new config's upstreams start healthy, as a new handler's do in Caddy;
    // once per server (the primary), so a replacement worker resets nothing.
    if (this.active !== null && isPrimaryWorker()) this.active.setCell(ACTIVE_DOWN, 0);
  }

  /** Requests in flight to this upstream, from every handler and worker. */
  get inflight(): number {
    return (this.seen = this.host.total(INFLIGHT));
  }

  /**
   * `u.inflight++` / `--` keep working: JavaScript runs the read and the
   * write back to back in this thread, so the write adds what the read
   * missed, atomically, whatever other workers did in between.
   */
  set inflight(v: number) {
    this.host.add(INFLIGHT, v - this.seen);
  }

  /** One more request in flight (the same as `inflight++`, without the read). */
  acquire(): void {
    this.host.add(INFLIGHT, 1);
  }

  release(): void {
    this.host.add(INFLIGHT, -1);
  }

  /** Failures counted by the passive health checks and not yet expired, by any handler or worker. */
  get fails(): number {
    return this.host.total(FAILS);
  }

  /** Counts one failure (passive_health.ts expires it with `forgetFail` after fail_duration). */
  countFail(): void {
    this.host.add(FAILS, 1);
  }

  forgetFail(): void {
    this.host.add(FAILS, -1);
  }

  /** The active health checks' verdict (active_health.ts writes it; true until a probe says otherwise). */
  get activeHealthy(): boolean {
    return this.active === null || this.active.cell(ACTIVE_DOWN) === 0;
  }

  set activeHealthy(up: boolean) {
    this.active?.setCell(ACTIVE_DOWN, up ? 0 : 1);
  }

  /** Caddy's Upstream.Healthy: not marked down by the active checks, and fewer counted failures than max_fails. */
  healthy(): boolean {
    return this.activeHealthy && (this.maxFails === 0 || this.fails < this.maxFails);
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
  // This handler's place in the config, the same in every worker.
  const handlerKey = provisionKey('reverse_proxy');
  return list.map(({ dial, maxRequests }) => {
    const max = maxRequests > 0 ? maxRequests : defaults.maxRequests;
    if (!dial.includes('{')) {
      const fixed = new Upstream(dial, max, defaults.maxFails, handlerKey);
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
