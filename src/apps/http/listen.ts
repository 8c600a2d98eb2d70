/**
 * Listener addresses as Caddy writes them in `servers.*.listen`
 * (caddy.ParseNetworkAddress): ":8080", "127.0.0.1:8080", "[::1]:8080",
 * "localhost:8080", port ranges "8080-8085" (one listener per port),
 * "tcp4/...", "tcp6/...", "unix//path/to.sock". {env.*} placeholders are
 * resolved at load, as Caddy's global replacer does.
 */
import { AddrError, isFdNetwork, isUnixNetwork, joinNetworkAddress, parseNetworkAddress } from '../../net/netaddr.js';

export interface ListenAddress {
  /** Canonical identity: two configs naming the same key share the socket across a reload. */
  key: string;
  network: 'tcp' | 'tcp4' | 'tcp6' | 'unix';
  /** '' = every interface. */
  host: string;
  port: number;
  /** Socket path for unix. */
  path: string;
}

/** The address as a user writes it: the default tcp network left out. */
export function displayAddress(addr: ListenAddress): string {
  return addr.key.startsWith('tcp/') ? addr.key.slice(4) : addr.key;
}

function expandEnv(addr: string, env: NodeJS.ProcessEnv): string {
  return addr.replace(/\{env\.([^{}]+)\}/g, (_m, name: string) => env[name] ?? '');
}

export function parseListenAddresses(addr: string, env: NodeJS.ProcessEnv = process.env): ListenAddress[] {
  const text = expandEnv(addr, env);
  let na;
  try {
    na = parseNetworkAddress(text);
  } catch (err) {
    if (err instanceof AddrError) throw new Error(`invalid listener address '${addr}': ${err.message}`);
    throw err;
  }
  if (isUnixNetwork(na.network)) {
    if (na.network !== 'unix') throw new Error(`listener address '${addr}': network ${na.network} is not supported`);
    return [{ key: joinNetworkAddress('unix', na.host, ''), network: 'unix', host: '', port: 0, path: na.host }];
  }
  if (isFdNetwork(na.network)) throw new Error(`listener address '${addr}': file descriptor listeners are not supported`);
  const network = na.network;
  if (network !== 'tcp' && network !== 'tcp4' && network !== 'tcp6') {
    // udp is HTTP/3, which needs TLS; ip/ipN are not HTTP at all.
    throw new Error(`listener address '${addr}': network ${network} is not supported`);
  }
  // Caddy requires a port for HTTP listeners (":8080"); a bare host is an error.
  if (text.indexOf(':') < 0 || (na.startPort === 0 && !/:0(?:-0)?$/.test(text))) {
    throw new Error(`listener address '${addr}': missing port in address`);
  }
  const host = na.host.replace(/^\[|\]$/g, '');
  const out: ListenAddress[] = [];
  for (let port = na.startPort; port <= na.endPort; port++) {
    out.push({ key: joinNetworkAddress(network, na.host, String(port)), network, host, port, path: '' });
  }
  return out;
}
