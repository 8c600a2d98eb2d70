/**
 * `dynamic_upstreams` (Caddy's reverseproxy/upstreams.go): the JSON of the
 * `a`, `srv` and `multi` sources, decoded with Caddy's defaults (refresh
 * 1 m, port 80, resolvers on udp port 53). Durations in milliseconds.
 */
import { DecodeError, ObjectReader } from '../../core/decode.js';
import { parseNetworkAddress } from '../../net/netaddr.js';

/** Options every DNS-backed source has. */
export interface DNSOptions {
  refresh: number;
  /** host:port of the DNS servers to ask; empty: the system's (getaddrinfo for A, /etc/resolv.conf for SRV). */
  resolvers: string[];
  /** Per-query timeout towards the resolvers (Caddy's dial_timeout); 0: Node's default. */
  dialTimeout: number;
}

export type DynamicSource =
  | ({ source: 'a'; name: string; port: string; ipv4: boolean; ipv6: boolean } & DNSOptions)
  | ({ source: 'srv'; service: string; proto: string; name: string; gracePeriod: number; dialNetwork: string } & DNSOptions)
  | { source: 'multi'; sources: DynamicSource[] };

const MINUTE = 60_000;

/** `resolver.addresses` as Caddy parses them (udp, port 53 by default); the http transport's `resolver` too. */
export function resolverAddresses(r: ObjectReader): string[] {
  const res = r.obj('resolver');
  const addresses = res.strList('addresses');
  res.done();
  return addresses.map((a, i) => {
    let na;
    try {
      // caddy.ParseNetworkAddressWithDefaults(v, "udp", 53)
      na = parseNetworkAddress(a.includes('/') ? a : `udp/${a}`);
    } catch (e) {
      throw new DecodeError(`${r.at('resolver')}.addresses[${i}]`, (e as Error).message);
    }
    if (na.startPort !== na.endPort) throw new Error(`resolver address must have exactly one address; cannot call ${a}`);
    const port = na.startPort === 0 ? 53 : na.startPort;
    return na.host.includes(':') ? `[${na.host}]:${port}` : `${na.host}:${port}`;
  });
}

function dnsOptions(r: ObjectReader): DNSOptions {
  const refresh = r.durationMs('refresh') || MINUTE;
  const resolvers = r.raw('resolver') === undefined || r.raw('resolver') === null ? [] : resolverAddresses(r);
  const dialTimeout = r.durationMs('dial_timeout');
  // Go's dialer races IPv6 and IPv4 to a resolver after this delay; Node's resolver asks its servers in turn.
  r.durationMs('dial_fallback_delay');
  return { refresh, resolvers, dialTimeout };
}

export function decodeDynamicSource(v: unknown, path: string): DynamicSource {
  const r = ObjectReader.of(v, path);
  const source = r.raw('source');
  let out: DynamicSource;
  if (source === 'a') {
    const name = r.str('name', '');
    const port = r.str('port', '') || '80';
    const vr = r.obj('versions');
    const v4 = vr.raw('ipv4');
    const v6 = vr.raw('ipv6');
    vr.bool('ipv4');
    vr.bool('ipv6');
    vr.done();
    // Caddy's resolveIpVersion: nothing said means both.
    const none = (v4 === undefined || v4 === null) && (v6 === undefined || v6 === null);
    out = { source, name, port, ipv4: none || v4 === true, ipv6: none || v6 === true, ...dnsOptions(r) };
  } else if (source === 'srv') {
    out = {
      source,
      service: r.str('service', ''),
      proto: r.str('proto', ''),
      name: r.str('name', ''),
      gracePeriod: r.durationMs('grace_period'),
      dialNetwork: r.str('dial_network', ''),
      ...dnsOptions(r),
    };
  } else if (source === 'multi') {
    out = { source, sources: r.list('sources', decodeDynamicSource) };
  } else {
    throw new Error(`loading dynamic upstream source module: unknown module: http.reverse_proxy.upstreams.${String(source)}`);
  }
  r.done();
  return out;
}
