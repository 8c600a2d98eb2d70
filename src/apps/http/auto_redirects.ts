/**
 * Automatic HTTP→HTTPS redirects (Caddy's automaticHTTPSPhase1, the
 * redirect half, modules/caddyhttp/autohttps.go): for every server that
 * serves HTTPS, a 308 to `https://{host}[:port]{uri}` on the HTTP port of
 * each of its listener addresses, served by one extra server named
 * `remaining_auto_https_redirects`, as Caddy names it.
 *
 * Differences from Caddy, kept to the simple cases:
 *   - only servers that will actually have a certificate get redirects
 *     (Caddy redirects whenever a server qualifies, certificate or not;
 *     tsweb keeps plain HTTP where it has none, and a redirect to it would
 *     loop);
 *   - where a user server already listens on the redirect address, Caddy
 *     inserts the redirect routes into it (after its last host-matched
 *     route); tsweb leaves that server alone and adds no redirect there.
 *
 * The result is plain JSON for provisionServer: the same static_response
 * and matchers a user config would use, decided once at load.
 */
import { joinNetworkAddress } from '../../net/netaddr.js';
import type { JSONObject } from '../../core/registry.js';
import type { ListenAddress } from './listen.js';

export const redirectServerName = 'remaining_auto_https_redirects';

/** What the planner needs to know of one provisioned server. */
export interface RedirectSource {
  name: string;
  listen: readonly ListenAddress[];
  /** Its automatic-HTTPS host names (skip applied); empty = a catch-all site. */
  hosts: readonly string[];
  /** The server serves HTTPS and its redirects are not disabled. */
  redirects: boolean;
  /** The server's raw `logs`, which Caddy copies onto the redirect server. */
  logs: unknown;
}

export interface RedirectPlan {
  /** Servers redirects were enabled for (Caddy logs each). */
  enabled: string[];
  /** The extra server's JSON, or null when no redirect address is free. */
  server: JSONObject | null;
}

interface Addr {
  network: string;
  host: string;
  port: number;
}

const addrString = (a: Addr) => joinNetworkAddress(a.network === 'tcp' ? '' : a.network, a.host, String(a.port));

/** Caddy's makeRedirRoute: the port is named only when it is none of the HTTP/HTTPS ports, configured or standard. */
function redirectRoute(toPort: number, hosts: readonly string[] | null, httpPort: number, httpsPort: number): JSONObject {
  let location = 'https://{http.request.host}';
  if (toPort !== httpPort && toPort !== httpsPort && toPort !== 80 && toPort !== 443) location += `:${toPort}`;
  location += '{http.request.uri}';
  const match: JSONObject = { protocol: 'http' };
  if (hosts !== null) match.host = [...hosts];
  return { match: [match], handle: [{ handler: 'static_response', status_code: 308, headers: { Location: [location] }, close: true }] };
}

/** Caddy's hasListenerAddress on Linux: same network and port, same host or either a wildcard. */
function claims(listen: readonly ListenAddress[], a: Addr): boolean {
  return listen.some((l) => l.network === a.network && l.port === a.port && (l.host === a.host || l.host === '' || a.host === ''));
}

/** Exact names before wildcards, longer before shorter, catch-all last (Caddy's sort). */
function specificity(a: string, b: string): number {
  if (a === '' || b === '') return a === b ? 0 : a === '' ? 1 : -1;
  const wa = a.includes('*');
  const wb = b.includes('*');
  if (wa !== wb) return wa ? 1 : -1;
  if (a.length !== b.length) return b.length - a.length;
  return a < b ? -1 : a > b ? 1 : 0;
}

export function planRedirects(servers: readonly RedirectSource[], all: readonly { listen: readonly ListenAddress[] }[], httpPort: number, httpsPort: number): RedirectPlan {
  const enabled: string[] = [];
  // Domain ('' = catch-all) → the addresses it is served on, as recordAutoHTTPSRedirectAddress keeps them.
  const byDomain = new Map<string, Addr[]>();
  let logs: unknown;
  for (const s of [...servers].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0))) {
    if (!s.redirects) continue;
    enabled.push(s.name);
    if (s.logs !== undefined && s.logs !== null) logs = s.logs;
    const domains = s.hosts.length > 0 ? s.hosts : [''];
    for (const l of s.listen) {
      if (l.network === 'unix') continue;
      const addr: Addr = { network: l.network, host: l.host, port: l.port };
      for (const d of domains) {
        const existing = byDomain.get(d);
        if (existing === undefined) {
          byDomain.set(d, [addr]);
          continue;
        }
        const port = existing[0]!.port;
        if (addr.port !== port) {
          // One destination port per name: the configured HTTPS port wins.
          if (addr.port === httpsPort && port !== httpsPort) byDomain.set(d, [addr]);
          continue;
        }
        if (!existing.some((e) => addrString(e) === addrString(addr))) existing.push(addr);
      }
    }
  }
  if (enabled.length === 0) return { enabled, server: null };

  const domainsByAddr = new Map<string, { addr: Addr; domains: string[] }>();
  for (const [d, addrs] of byDomain) {
    for (const addr of addrs) {
      const key = addrString(addr);
      const entry = domainsByAddr.get(key) ?? { addr, domains: [] };
      entry.domains.push(d);
      domainsByAddr.set(key, entry);
    }
  }
  const byRedirectAddr = new Map<string, { addr: Addr; routes: Array<{ first: string; route: JSONObject }> }>();
  for (const { addr, domains } of domainsByAddr.values()) {
    const catchAll = domains.length === 1 && domains[0] === '';
    const route = redirectRoute(addr.port, catchAll ? null : domains, httpPort, httpsPort);
    const from: Addr = { ...addr, port: httpPort };
    const key = addrString(from);
    const entry = byRedirectAddr.get(key) ?? { addr: from, routes: [] };
    entry.routes.push({ first: catchAll ? '' : domains[0]!, route });
    byRedirectAddr.set(key, entry);
  }
  const listen: string[] = [];
  const routes: JSONObject[] = [];
  for (const key of [...byRedirectAddr.keys()].sort()) {
    const { addr, routes: rs } = byRedirectAddr.get(key)!;
    if (all.some((s) => claims(s.listen, addr))) continue;
    listen.push(key);
    rs.sort((a, b) => specificity(a.first, b.first));
    routes.push(...rs.map((r) => r.route));
  }
  if (listen.length === 0) return { enabled, server: null };
  // The catch-all for names no route lists goes to the HTTPS port, which is never named.
  routes.push(redirectRoute(httpsPort, null, httpPort, httpsPort));
  const server: JSONObject = { listen, routes };
  if (logs !== undefined) server.logs = logs as JSONObject;
  return { enabled, server };
}
