/**
 * Go's net.SplitHostPort / JoinHostPort, netip's IPv6 text form, and Caddy's
 * network addresses (`[network/]host[:port[-port]]`), with the same edge cases
 * and error texts, because listener addresses in the adapted JSON are built
 * from them.
 */

export class AddrError extends Error {}

/**
 * net.SplitHostPort without throwing (callers often expect the "missing
 * port" case, and exceptions are costly on 1,000-site files): the parts, or
 * Go's error text.
 */
export function trySplitHostPort(hostport: string): [string, string] | string {
  const fail = (why: string) => `address ${hostport}: ${why}`;
  const i = hostport.lastIndexOf(':');
  if (i < 0) return fail('missing port in address');
  let host: string;
  let j = 0;
  let k = 0;
  if (hostport[0] === '[') {
    const end = hostport.indexOf(']');
    if (end < 0) return fail("missing ']' in address");
    if (end + 1 === hostport.length) return fail('missing port in address');
    if (end + 1 !== i) {
      if (hostport[end + 1] === ':') return fail('too many colons in address');
      return fail('missing port in address');
    }
    host = hostport.slice(1, end);
    j = 1;
    k = end + 1;
  } else {
    host = hostport.slice(0, i);
    if (host.includes(':')) return fail('too many colons in address');
  }
  if (hostport.indexOf('[', j) >= 0) return fail("unexpected '[' in address");
  if (hostport.indexOf(']', k) >= 0) return fail("unexpected ']' in address");
  return [host, hostport.slice(i + 1)];
}

/** net.SplitHostPort: `host:port`, `[v6]:port`; throws AddrError like Go. */
export function splitHostPort(hostport: string): [string, string] {
  const r = trySplitHostPort(hostport);
  if (typeof r === 'string') throw new AddrError(r);
  return r;
}

/** net.JoinHostPort: brackets hosts that contain a colon. */
export function joinHostPort(host: string, port: string): string {
  return host.includes(':') ? `[${host}]:${port}` : `${host}:${port}`;
}

/** IPv4 dotted quad as Go's netip parses it (no leading zeros). */
function parseV4(s: string): number[] | null {
  const parts = s.split('.');
  if (parts.length !== 4) return null;
  const out: number[] = [];
  for (const p of parts) {
    if (!/^\d{1,3}$/.test(p) || (p.length > 1 && p[0] === '0')) return null;
    const n = Number(p);
    if (n > 255) return null;
    out.push(n);
  }
  return out;
}

/** Eight 16-bit groups of an IPv6 literal (no zone), or null. */
function parseV6(s: string): number[] | null {
  if (s === '') return null;
  const lastColon = s.lastIndexOf(':');
  if (s.slice(lastColon + 1).includes('.')) {
    // An embedded dotted quad stands for the last two groups.
    const v4 = parseV4(s.slice(lastColon + 1));
    if (!v4) return null;
    s = `${s.slice(0, lastColon + 1)}${((v4[0]! << 8) | v4[1]!).toString(16)}:${((v4[2]! << 8) | v4[3]!).toString(16)}`;
  }
  const dbl = s.indexOf('::');
  if (dbl !== s.lastIndexOf('::')) return null;
  const groupsOf = (part: string): number[] | null => {
    if (part === '') return [];
    const out: number[] = [];
    for (const g of part.split(':')) {
      if (!/^[0-9a-fA-F]{1,4}$/.test(g)) return null;
      out.push(parseInt(g, 16));
    }
    return out;
  };
  if (dbl < 0) {
    const all = groupsOf(s);
    return all && all.length === 8 ? all : null;
  }
  const head = groupsOf(s.slice(0, dbl));
  const rest = groupsOf(s.slice(dbl + 2));
  if (!head || !rest) return null;
  const fill = 8 - head.length - rest.length;
  if (fill < 1) return null;
  return [...head, ...new Array<number>(fill).fill(0), ...rest];
}

/**
 * If `host` is an IPv6 address that is not IPv4-mapped, returns its canonical
 * text (RFC 5952, as Go's netip prints it); otherwise returns `host` unchanged.
 */
export function normalizeIPv6(host: string): string {
  if (!host.includes(':')) return host;
  const pct = host.indexOf('%');
  const addr = pct >= 0 ? host.slice(0, pct) : host;
  const zone = pct >= 0 ? host.slice(pct) : '';
  if (pct >= 0 && zone.length === 1) return host;
  const g = parseV6(addr);
  if (!g) return host;
  // IPv4-mapped addresses keep the form they were written in.
  if (g.slice(0, 5).every((x) => x === 0) && g[5] === 0xffff) return host;
  let bestStart = -1;
  let bestLen = 0;
  for (let i = 0; i < 8; ) {
    if (g[i] !== 0) {
      i++;
      continue;
    }
    let j = i;
    while (j < 8 && g[j] === 0) j++;
    if (j - i > bestLen && j - i >= 2) {
      bestStart = i;
      bestLen = j - i;
    }
    i = j;
  }
  const hex = (xs: number[]) => xs.map((x) => x.toString(16)).join(':');
  const text = bestStart < 0 ? hex(g) : `${hex(g.slice(0, bestStart))}::${hex(g.slice(bestStart + bestLen))}`;
  return text + zone;
}

export function isUnixNetwork(netw: string): boolean {
  return netw === 'unix' || netw === 'unixgram' || netw === 'unixpacket';
}

export function isFdNetwork(netw: string): boolean {
  return netw === 'fd' || netw === 'fdgram';
}

/** caddy.SplitNetworkAddress: `[network/]host[:port]`. */
export function splitNetworkAddress(a: string): { network: string; host: string; port: string } {
  let network = '';
  const slash = a.indexOf('/');
  if (slash >= 0) {
    network = a.slice(0, slash).trim().toLowerCase();
    a = a.slice(slash + 1);
    if (isUnixNetwork(network) || isFdNetwork(network)) return { network, host: a, port: '' };
  }
  const first = trySplitHostPort(a);
  if (typeof first !== 'string') return { network, host: first[0], port: first[1] };
  // Usually just a missing port: strip brackets, parse with a bogus port, drop it.
  const second = trySplitHostPort(joinHostPort(a.replace(/^[[\]]+|[[\]]+$/g, ''), '0'));
  if (typeof second !== 'string') return { network, host: second[0], port: '' };
  throw new AddrError(`${first}\n${second}`);
}

/** caddy.JoinNetworkAddress. */
export function joinNetworkAddress(network: string, host: string, port: string): string {
  let a = network !== '' ? `${network}/` : '';
  if ((host !== '' && port === '') || isUnixNetwork(network) || isFdNetwork(network)) a += host;
  else if (port !== '') a += joinHostPort(host, port);
  return a;
}

export interface NetworkAddress {
  network: string;
  host: string;
  startPort: number;
  endPort: number;
}

function parseUint16(s: string): number | null {
  if (!/^\d+$/.test(s)) return null;
  const n = Number(s);
  return n > 65535 ? null : n;
}

/** caddy.ParseNetworkAddress (default network tcp, no default port). */
export function parseNetworkAddress(addr: string): NetworkAddress {
  let { network, host, port } = splitNetworkAddress(addr);
  if (network === '') network = 'tcp';
  if (isUnixNetwork(network) || isFdNetwork(network)) return { network, host, startPort: 0, endPort: 0 };
  let start = 0;
  let end = 0;
  if (port !== '') {
    const dash = port.indexOf('-');
    const before = dash >= 0 ? port.slice(0, dash) : port;
    const after = dash >= 0 ? port.slice(dash + 1) : before;
    const s = parseUint16(before);
    if (s === null) throw new AddrError(`invalid start port: strconv.ParseUint: parsing ${JSON.stringify(before)}: invalid syntax`);
    const e = parseUint16(after);
    if (e === null) throw new AddrError(`invalid end port: strconv.ParseUint: parsing ${JSON.stringify(after)}: invalid syntax`);
    if (e < s) throw new AddrError('end port must not be less than start port');
    start = s;
    end = e;
  }
  return { network, host, startPort: start, endPort: end };
}

/** NetworkAddress.String(): the default `tcp` network is omitted. */
export function networkAddressString(na: NetworkAddress): string {
  const port = na.startPort === na.endPort ? String(na.startPort) : `${na.startPort}-${na.endPort}`;
  let network = na.network;
  if (network === 'tcp' && (na.host !== '' || port !== '')) network = '';
  if (isUnixNetwork(na.network) || isFdNetwork(na.network)) return joinNetworkAddress(network, na.host, '');
  return joinNetworkAddress(network, na.host, port);
}
