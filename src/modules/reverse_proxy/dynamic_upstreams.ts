/**
 * Dynamic upstreams (Caddy's `dynamic a|srv|multi`): the upstream list comes
 * from DNS, looked up when a request needs it and the cached answer is older
 * than `refresh` (Caddy's GetUpstreams), one lookup at a time per name, and
 * again after a failed try (Caddy's ResetCache). A fresh list costs nothing
 * per request (returned synchronously).
 *
 * Failures: an answer that the name or its records do not exist drops the
 * list; a resolver that fails or times out keeps the last good list (for
 * `srv` with a grace_period, only that long, as Caddy). Without a list the
 * handler falls back to its static upstreams, as Caddy does, and logs it;
 * a failed lookup is tried again after `refresh` (Caddy asks again on every
 * request, which a broken resolver turns into a lookup per request).
 * Upstream objects are kept per dial address, so counts and keep-alive
 * connections survive refreshes that return the same addresses.
 */
import type { EngineLog } from '../../core/log.js';
import { compileTemplate, newReplacer, type Replacer, type Template } from '../../core/replacer.js';
import type { Ctx } from '../../core/types.js';
import type { DynamicSource } from './dynamic_config.js';
import { isNoRecords, type Lookups, makeLookups } from './dynamic_dns.js';
import { Upstream } from './upstreams.js';

type List = Upstream[] | null;

export interface DynamicUpstreams {
  /** This request's upstreams; null: none (the static ones apply). */
  get(ctx: Ctx): List | Promise<List>;
  /** After a failed try: look up again before the next one. */
  reset(ctx: Ctx): void;
  /** Every upstream handed out so far (the admin API lists them). */
  known(): Iterable<Upstream>;
}

const LOGGER = 'http.handlers.reverse_proxy';
/** Cached names per source (placeholders can make many), as Caddy's 100. */
const MAX_ENTRIES = 100;
const MAX_UPSTREAMS = 1000;

interface Entry {
  list: List;
  /** When the list was looked up (ms); 0: stale. */
  at: number;
  /** When the last good list was looked up, for grace_period. */
  goodAt: number;
  pending: Promise<List> | null;
}

interface Lookup {
  key(repl: Replacer): string;
  /** Dial addresses, or throws. */
  run(repl: Replacer): Promise<string[]>;
  refresh: number;
  /** How long a failing resolver may keep the last good list; Infinity: until it answers. */
  grace: number;
}

const tpl = (s: string): Template => (s.includes('{') ? compileTemplate(s, 'empty') : () => s);
/** Without placeholders the cache key is computed once, not per request. */
function constant(fields: string, key: (repl: Replacer) => string): (repl: Replacer) => string {
  if (fields.includes('{')) return key;
  const k = key(newReplacer());
  return () => k;
}
const joinHostPort = (host: string, port: string) => (host.includes(':') ? `[${host}]:${port}` : `${host}:${port}`);

function aLookup(src: Extract<DynamicSource, { source: 'a' }>, dns: Lookups): Lookup {
  const name = tpl(src.name);
  const port = tpl(src.port);
  const version = src.ipv4 && src.ipv6 ? 'ip' : src.ipv4 ? 'ip4' : 'ip6';
  const key = (repl: Replacer) => `${joinHostPort(name(repl), port(repl))}${version}`;
  return {
    key: constant(src.name + src.port, key),
    async run(repl) {
      const p = port(repl);
      return (await dns.ips(name(repl), src.ipv4, src.ipv6)).map((ip) => joinHostPort(ip, p));
    },
    refresh: src.refresh,
    grace: Infinity,
  };
}

function srvLookup(src: Extract<DynamicSource, { source: 'srv' }>, dns: Lookups): Lookup {
  const name = tpl(src.name);
  const service = tpl(src.service);
  const proto = tpl(src.proto);
  const direct = src.service === '' && src.proto === '';
  const fqdn = (repl: Replacer) => (direct ? name(repl) : `_${service(repl)}._${proto(repl)}.${name(repl)}`);
  const prefix = src.dialNetwork !== '' ? `${src.dialNetwork}/` : '';
  return {
    key: constant(src.name + src.service + src.proto, fqdn),
    async run(repl) {
      return (await dns.srv(fqdn(repl))).map((r) => prefix + joinHostPort(r.name.replace(/\.$/, ''), String(r.port)));
    },
    refresh: src.refresh,
    grace: src.gracePeriod > 0 ? src.gracePeriod : Infinity,
  };
}

class CachedSource implements DynamicUpstreams {
  private readonly entries = new Map<string, Entry>();

  constructor(
    private readonly lookup: Lookup,
    private readonly upstream: (dial: string) => Upstream,
    private readonly log: EngineLog,
    private readonly pool: Map<string, Upstream>,
  ) {}

  get(ctx: Ctx): List | Promise<List> {
    const key = this.lookup.key(ctx.repl);
    let e = this.entries.get(key);
    if (e === undefined) {
      if (this.entries.size >= MAX_ENTRIES) this.entries.delete(this.entries.keys().next().value!);
      e = { list: null, at: 0, goodAt: 0, pending: null };
      this.entries.set(key, e);
    }
    if (e.at !== 0 && Date.now() - e.at < this.lookup.refresh) return e.list;
    return (e.pending ??= this.refresh(e, ctx.repl, key));
  }

  reset(ctx: Ctx): void {
    const e = this.entries.get(this.lookup.key(ctx.repl));
    if (e !== undefined) e.at = 0;
  }

  known(): Iterable<Upstream> {
    return this.pool.values();
  }

  private async refresh(e: Entry, repl: Replacer, key: string): Promise<List> {
    try {
      const dials = await this.lookup.run(repl);
      e.list = dials.map((d) => this.upstreamFor(d));
      e.goodAt = Date.now();
    } catch (err) {
      const msg = err instanceof Error ? err.message : String(err);
      if (isNoRecords(err) || e.list === null || Date.now() - e.goodAt > this.lookup.grace) {
        e.list = null;
        this.log('error', LOGGER, 'failed getting dynamic upstreams; falling back to static upstreams', { name: key, error: msg });
      } else {
        this.log('error', LOGGER, 'dynamic upstreams lookup failed; using previously cached', { name: key, error: msg });
      }
    } finally {
      e.at = Date.now();
      e.pending = null;
    }
    return e.list;
  }

  private upstreamFor(dial: string): Upstream {
    let u = this.pool.get(dial);
    if (u === undefined) {
      if (this.pool.size >= MAX_UPSTREAMS) this.pool.clear();
      u = this.upstream(dial);
      this.pool.set(dial, u);
    }
    return u;
  }
}

/** Caddy's MultiUpstreams: every source's list, in order; a failing source adds nothing. */
class MultiSource implements DynamicUpstreams {
  constructor(
    private readonly sources: DynamicUpstreams[],
    private readonly pool: Map<string, Upstream>,
  ) {}

  get(ctx: Ctx): List | Promise<List> {
    const parts = this.sources.map((s) => s.get(ctx));
    if (!parts.some((p) => p instanceof Promise)) return (parts as List[]).flatMap((p) => p ?? []);
    return Promise.all(parts).then((ls) => ls.flatMap((p) => p ?? []));
  }

  reset(ctx: Ctx): void {
    for (const s of this.sources) s.reset(ctx);
  }

  known(): Iterable<Upstream> {
    return this.pool.values();
  }
}

function build(src: DynamicSource, upstream: (dial: string) => Upstream, log: EngineLog, pool: Map<string, Upstream>): DynamicUpstreams {
  if (src.source === 'multi') return new MultiSource(src.sources.map((s) => build(s, upstream, log, pool)), pool);
  const dns = makeLookups(src);
  return new CachedSource(src.source === 'a' ? aLookup(src, dns) : srvLookup(src, dns), upstream, log, pool);
}

/** `limits`: the handler's max_requests and max_fails, for every upstream found. */
export function compileDynamicUpstreams(src: DynamicSource, limits: { maxRequests: number; maxFails: number }, log: EngineLog): DynamicUpstreams {
  return build(src, (dial) => new Upstream(dial, limits.maxRequests, limits.maxFails), log, new Map());
}

/** The dynamic list for this try (looked up again after a failed one), or null. */
export function dynamicPool(d: DynamicUpstreams, ctx: Ctx, retry: boolean): List | Promise<List> {
  if (retry) d.reset(ctx);
  return d.get(ctx);
}
