/**
 * The admin endpoint's address (caddy.parseAdminListenAddr) and the Host and
 * Origin values it accepts (AdminConfig.allowedOrigins), as Caddy decides
 * them. The default address is localhost:2019, or TSWEB_ADMIN when set (as
 * CADDY_ADMIN is for Caddy, for packagers and tests).
 */
import { AddrError, isFdNetwork, isUnixNetwork, joinHostPort, type NetworkAddress, networkAddressString, parseNetworkAddress } from '../net/netaddr.js';
import { parseAddr } from '../net/ip.js';
import { goParseURL } from '../go/url.js';

export const DEFAULT_ADMIN_LISTEN = 'localhost:2019';

export function defaultAdminListen(env: NodeJS.ProcessEnv): string {
  return env.TSWEB_ADMIN ?? DEFAULT_ADMIN_LISTEN;
}

export interface AdminAddress extends NetworkAddress {
  /** As Caddy logs it (NetworkAddress.String). */
  readonly text: string;
}

/** `{env.NAME}` placeholders, which Caddy's replacer resolves in the listen address. */
function replaceEnv(s: string, env: NodeJS.ProcessEnv): string {
  return s.replace(/\{env\.([^{}]+)\}/g, (_m, name: string) => env[name] ?? '');
}

/** parseAdminListenAddr: exactly one address, the default when `addr` is empty. */
export function parseAdminListenAddr(addr: string, defaultAddr: string, env: NodeJS.ProcessEnv): AdminAddress {
  let input = replaceEnv(addr, env);
  if (input === '') input = defaultAddr;
  let na: NetworkAddress;
  try {
    na = parseNetworkAddress(input);
  } catch (err) {
    if (err instanceof AddrError) throw new Error(`parsing listener address: ${err.message}`);
    throw err;
  }
  const text = networkAddressString(na);
  if (!isUnixNetwork(na.network) && !isFdNetwork(na.network) && na.endPort !== na.startPort) {
    throw new Error(`must be exactly one listener address; cannot listen on: ${text}`);
  }
  return { ...na, text };
}

const bareHost = (h: string): string => h.replace(/^\[|\]$/g, '');

export function isLoopback(a: NetworkAddress): boolean {
  if (isUnixNetwork(a.network) || isFdNetwork(a.network)) return true;
  if (a.host === 'localhost') return true;
  const ip = parseAddr(bareHost(a.host));
  if (ip === null) return false;
  const b = ip.bytes;
  if (b.length === 4) return b[0] === 127;
  // ::1, or an IPv4-mapped 127/8
  if (b.slice(0, 15).every((x) => x === 0) && b[15] === 1) return true;
  return b.slice(0, 10).every((x) => x === 0) && b[10] === 0xff && b[11] === 0xff && b[12] === 127;
}

export function isWildcardInterface(a: NetworkAddress): boolean {
  if (a.host === '') return true;
  const ip = parseAddr(bareHost(a.host));
  return ip !== null && ip.bytes.every((x) => x === 0);
}

/** An allowed origin: a host[:port], with a scheme when the configured origin had one. */
export interface AllowedOrigin {
  scheme: string;
  host: string;
}

/**
 * AdminConfig.allowedOrigins. `origins` absent: the listen address (for a
 * loopback one: localhost, ::1 and 127.0.0.1 on its port); present but
 * empty: nothing. `port` is the bound port, so an address on port 0 (tests)
 * allows the port it actually got.
 */
export function allowedOrigins(origins: readonly string[] | undefined, a: NetworkAddress, port: number): AllowedOrigin[] {
  const unique = new Set(origins ?? []);
  if (origins === undefined && !isUnixNetwork(a.network) && !isFdNetwork(a.network)) {
    const p = String(port);
    if (isLoopback(a)) {
      unique.add(joinHostPort('localhost', p));
      unique.add(joinHostPort('::1', p));
      unique.add(joinHostPort('127.0.0.1', p));
    } else {
      unique.add(joinHostPort(bareHost(a.host), p));
    }
  }
  const out: AllowedOrigin[] = [];
  for (const o of unique) {
    if (o.includes('://')) {
      try {
        const u = goParseURL(o);
        out.push({ scheme: u.scheme, host: u.host });
      } catch {
        // Caddy skips an origin it cannot parse.
      }
    } else {
      out.push({ scheme: '', host: o });
    }
  }
  return out;
}

export function originString(o: AllowedOrigin): string {
  return o.scheme !== '' ? `${o.scheme}://${o.host}` : `//${o.host}`;
}
