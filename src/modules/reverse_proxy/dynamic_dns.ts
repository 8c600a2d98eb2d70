/**
 * DNS lookups for the dynamic upstream sources: the configured resolvers
 * through node:dns's Resolver (UDP, as Caddy's Go resolver), or the system's
 * (getaddrinfo for names, as Go's default resolver reads /etc/hosts too).
 */
import { lookup, Resolver } from 'node:dns/promises';
import type { LookupAddress, LookupOptions, SrvRecord } from 'node:dns';
import { isIP } from 'node:net';
import type { DNSOptions } from './dynamic_config.js';

export interface Lookups {
  /** Addresses of `name`, IPv4 ones first. */
  ips(name: string, v4: boolean, v6: boolean): Promise<string[]>;
  /** SRV records, by priority and, within one, shuffled by weight (RFC 2782, as Go's LookupSRV). */
  srv(name: string): Promise<SrvRecord[]>;
}

/** An answer that there is no such name or record (as opposed to a resolver that failed). */
export function isNoRecords(err: unknown): boolean {
  const code = (err as NodeJS.ErrnoException).code;
  return code === 'ENOTFOUND' || code === 'ENODATA';
}

function byPriorityThenWeight(records: SrvRecord[]): SrvRecord[] {
  const groups = new Map<number, SrvRecord[]>();
  for (const r of records) {
    let g = groups.get(r.priority);
    if (g === undefined) groups.set(r.priority, (g = []));
    g.push(r);
  }
  const out: SrvRecord[] = [];
  for (const p of [...groups.keys()].sort((a, b) => a - b)) {
    const g = groups.get(p)!;
    while (g.length > 0) {
      const total = g.reduce((s, r) => s + r.weight, 0);
      let pick = 0;
      if (total > 0) {
        let n = Math.random() * total;
        while (pick < g.length - 1 && n >= g[pick]!.weight) n -= g[pick++]!.weight;
      }
      out.push(g.splice(pick, 1)[0]!);
    }
  }
  return out;
}

export function makeLookups(opts: DNSOptions): Lookups {
  let resolver: Resolver | null = null;
  if (opts.resolvers.length > 0 || opts.dialTimeout > 0) {
    resolver = new Resolver(opts.dialTimeout > 0 ? { timeout: opts.dialTimeout, tries: 2 } : {});
    if (opts.resolvers.length > 0) resolver.setServers(opts.resolvers);
  }
  let system: Resolver | null = null;
  return {
    async ips(name, v4, v6) {
      if (resolver === null) {
        const all = await lookup(name, { all: true, family: v4 && v6 ? 0 : v4 ? 4 : 6 });
        return all.sort((a, b) => a.family - b.family).map((a) => a.address);
      }
      if (!v6) return resolver.resolve4(name);
      if (!v4) return resolver.resolve6(name);
      const [a, aaaa] = await Promise.allSettled([resolver.resolve4(name), resolver.resolve6(name)]);
      // As Go's LookupIP: one family answering is an answer; a failed resolver beats "no such name".
      if (a.status === 'rejected' && aaaa.status === 'rejected') throw isNoRecords(a.reason) ? aaaa.reason : a.reason;
      const first = a.status === 'fulfilled' ? a.value : [];
      const second = aaaa.status === 'fulfilled' ? aaaa.value : [];
      if (first.length + second.length === 0) {
        const err: NodeJS.ErrnoException = new Error(`lookup ${name}: no such host`);
        err.code = 'ENODATA';
        throw err;
      }
      return [...first, ...second];
    },
    async srv(name) {
      return byPriorityThenWeight(await (resolver ?? (system ??= new Resolver())).resolveSrv(name));
    },
  };
}

type LookupCallback = (err: NodeJS.ErrnoException | null, address: string | LookupAddress[], family?: number) => void;

/**
 * transport http `resolver`: a net.connect `lookup` that asks those DNS
 * servers (A, then AAAA, as Go's resolver with both families) instead of
 * the system's. Made once per handler.
 */
export function upstreamLookup(resolvers: string[]): (hostname: string, options: LookupOptions, cb: LookupCallback) => void {
  const l = makeLookups({ resolvers, dialTimeout: 0, refresh: 0 });
  return (hostname, options, cb) => {
    const fam = options.family === 'IPv4' ? 4 : options.family === 'IPv6' ? 6 : (options.family ?? 0);
    l.ips(hostname, fam !== 6, fam !== 4).then(
      (ips) => {
        if (options.all === true) cb(null, ips.map((address) => ({ address, family: isIP(address) })));
        else cb(null, ips[0]!, isIP(ips[0]!));
      },
      (err: NodeJS.ErrnoException) => cb(err, ''),
    );
  };
}
