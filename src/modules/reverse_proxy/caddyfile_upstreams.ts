/**
 * Static upstream addresses as reverse_proxy reads them (Caddy's
 * reverseproxy/addresses.go): `host:port`, `host` (port 80), `unix//path`,
 * `unix+h2c//path`, port ranges `host:8001-8006`, placeholders
 * `{upstream}:80`, and URLs that carry only scheme, host and port
 * (`https://host` → port 443 plus TLS on the transport).
 */
import { goParseURL, urlHostPort } from '../../go/url.js';
import {
  isFdNetwork,
  isUnixNetwork,
  joinHostPort,
  joinNetworkAddress,
  parseNetworkAddress,
  splitNetworkAddress,
} from '../../net/netaddr.js';

export class UpstreamError extends Error {}

export interface ParsedUpstream {
  network: string;
  /** '' when the address had no scheme. */
  scheme: string;
  host: string;
  port: string;
}

/** The `dial` value: the network only when the user wrote one. */
export function dialAddr(p: ParsedUpstream): string {
  if (p.network !== '') return joinNetworkAddress(p.network, p.host, p.port);
  // A placeholder host without a port: the placeholder is expected to carry it.
  if (p.port === '' && p.host.includes('{')) return p.host;
  return joinHostPort(p.host, p.port);
}

function replaceablePort(p: ParsedUpstream): boolean {
  return p.port.includes('{') && p.port.includes('}');
}

function fail(msg: string): never {
  throw new UpstreamError(msg);
}

/** Caddy's parseUpstreamDialAddress. Throws UpstreamError with Caddy's messages. */
export function parseUpstreamDialAddress(addr: string): ParsedUpstream {
  let network = '';
  let scheme = '';
  let host = '';
  let port = '';

  if (addr.includes('://')) {
    if (addr.includes('{')) {
      fail('due to parsing difficulties, placeholders are not allowed when an upstream address contains a scheme');
    }
    let u;
    try {
      u = goParseURL(addr);
    } catch (e) {
      const msg = (e as Error).message;
      if (!(msg.includes('invalid port') && msg.includes('-'))) fail(`parsing upstream URL: ${msg}`);
      // A port range is not a valid URL port: parse with a stand-in port.
      const index = addr.lastIndexOf(':');
      if (index === -1) fail(`parsing upstream URL: ${msg}`);
      const portRange = addr.slice(index + 1);
      if (portRange.split('-').length !== 2) {
        fail(`parsing upstream URL: parse "${addr}": port range invalid: ${portRange}`);
      }
      try {
        u = goParseURL(addr.replaceAll(portRange, '0'));
      } catch (e2) {
        fail(`parsing upstream URL: ${(e2 as Error).message}`);
      }
      port = portRange;
    }
    const hp = urlHostPort(u);
    if (port === '') port = hp.port;

    // There is no way to rewrite between choosing a backend and proxying to it.
    if (u.path !== '' || u.rawQuery !== '' || u.fragment !== '') {
      fail('for now, URLs for proxy upstreams only support scheme, host, and port components');
    }
    if (u.scheme === 'http' && port === '443') {
      fail('upstream address has conflicting scheme (http://) and port (:443, the HTTPS port)');
    }
    if (u.scheme === 'https' && port === '80') {
      fail('upstream address has conflicting scheme (https://) and port (:80, the HTTP port)');
    }
    if (u.scheme === 'h2c' && port === '443') {
      fail('upstream address has conflicting scheme (h2c://) and port (:443, the HTTPS port)');
    }
    if (port === '') {
      if (u.scheme === '' || u.scheme === 'http' || u.scheme === 'h2c') port = '80';
      else if (u.scheme === 'https') port = '443';
    }
    scheme = u.scheme;
    host = hp.hostname;
  } else {
    try {
      ({ network, host, port } = splitNetworkAddress(addr));
    } catch {
      const slash = addr.indexOf('/');
      network = slash >= 0 ? addr.slice(0, slash).trim().toLowerCase() : '';
      host = addr;
      port = '';
    }
    // A bare hostname means port 80; a placeholder without a port probably supplies one.
    if (port === '' && !host.includes('{') && !isUnixNetwork(network) && !isFdNetwork(network)) port = '80';
  }

  if (network === 'unix+h2c') {
    network = 'unix';
    scheme = 'h2c';
  }
  return { network, scheme, host, port };
}

/**
 * The `dial` values one upstream address becomes: one, or one per port of a
 * range. Placeholder ports are resolved per request, so they stay as written.
 */
export function upstreamDials(p: ParsedUpstream): string[] {
  if (replaceablePort(p)) return [dialAddr(p)];
  let parsed;
  try {
    parsed = parseNetworkAddress(dialAddr(p));
  } catch (e) {
    fail((e as Error).message);
  }
  if (isUnixNetwork(p.network) || !p.port.includes('-')) return [dialAddr(p)];
  const out: string[] = [];
  for (let i = parsed.startPort; i <= parsed.endPort; i++) out.push(joinNetworkAddress('', parsed.host, String(i)));
  return out;
}
