/**
 * Go's net.SplitHostPort / JoinHostPort, netip's IPv6 text form, and Caddy's
 * network addresses (`[network/]host[:port[-port]]`), with the same edge cases
 * and error texts, because listener addresses in the adapted JSON are built
 * from them.
 */

import { joinHostPort, splitHostPortOrReason } from './hostport.js';
import { addrString, is4In6, parseAddr } from './ip.js';

export class AddrError extends Error {}

/**
 * net.SplitHostPort without throwing (callers often expect the "missing
 * port" case, and exceptions are costly on 1,000-site files): the parts, or
 * Go's error text.
 */
export function trySplitHostPort(hostport: string): [string, string] | string {
  const r = splitHostPortOrReason(hostport);
  return typeof r === 'string' ? `address ${hostport}: ${r}` : r;
}

/** net.SplitHostPort: `host:port`, `[v6]:port`; throws AddrError like Go. */
export function splitHostPort(hostport: string): [string, string] {
  const r = trySplitHostPort(hostport);
  if (typeof r === 'string') throw new AddrError(r);
  return r;
}

export { joinHostPort };

/**
 * If `host` is an IPv6 address that is not IPv4-mapped, returns its canonical
 * text (RFC 5952, as Go's netip prints it); otherwise returns `host` unchanged.
 */
export function normalizeIPv6(host: string): string {
  if (!host.includes(':')) return host;
  const addr = parseAddr(host);
  // IPv4-mapped addresses keep the form they were written in; so does anything that is not an IP.
  if (!addr || addr.bytes.length !== 16 || is4In6(addr)) return host;
  return addrString(addr);
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

/** A reverse_proxy dial address: tcp `host:port`, or a unix socket path. */
export interface DialAddress {
  network: 'tcp' | 'unix';
  /** host (unbracketed) and port for tcp; the socket path for unix. */
  host: string;
  port: string;
  path: string;
}

/** Caddy's ParseNetworkAddress for a single dial address: "host:port", "[::1]:80", "unix//path". */
export function parseDialAddress(dial: string): DialAddress {
  let network = 'tcp';
  let rest = dial;
  const slash = dial.indexOf('/');
  if (slash > 0 && !dial.slice(0, slash).includes(':')) {
    network = dial.slice(0, slash);
    rest = dial.slice(slash + 1);
  }
  if (network === 'unix') return { network: 'unix', host: '', port: '', path: rest };
  if (network !== 'tcp' && network !== 'tcp4' && network !== 'tcp6') throw new Error(`upstream ${dial}: network ${network} is not supported`);
  const hp = splitHostPortOrReason(rest);
  if (typeof hp === 'string') throw new Error(`upstream ${dial}: missing port in address`);
  const [host, port] = hp;
  if (!/^\d+$/.test(port) || Number(port) > 65535) throw new Error(`upstream ${dial}: invalid port "${port}"`);
  return { network: 'tcp', host, port, path: '' };
}
