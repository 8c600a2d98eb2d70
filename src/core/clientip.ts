/**
 * The client IP, as Caddy's server determines it (server.go
 * determineTrustedProxy / trustedRealClientIP / strictUntrustedClientIp):
 *
 * - without trusted_proxies, or when the peer is not one of them, the client
 *   is the peer;
 * - when the peer is trusted, the client is the first valid IP in the
 *   client_ip_headers (X-Forwarded-For by default), left to right, ports and
 *   zones removed; with trusted_proxies_strict, the first IP from the right
 *   that is not itself a trusted proxy.
 *
 * The result lands in {http.vars.client_ip} and drives the client_ip matcher.
 */
import type { IncomingMessage } from 'node:http';
import { addrPrefix, addrString, parseAddr, parsePrefix, prefixContains, type Addr, type Prefix, splitHostPort } from '../net/ip.js';
import { headerValues } from './placeholders/request.js';
import type { JSONObject } from './registry.js';

export interface ClientIPOptions {
  /** null: no trusted_proxies configured. */
  readonly trusted: readonly Prefix[] | null;
  /** Lower-cased header names, in order. */
  readonly headers: readonly string[];
  readonly strict: boolean;
}

export const defaultClientIPOptions: ClientIPOptions = { trusted: null, headers: ['x-forwarded-for'], strict: false };

/** caddyhttp.CIDRExpressionToPrefix: "10.0.0.0/8" or a single address. */
export function cidrToPrefix(expr: string): Prefix {
  if (expr.includes('/')) return parsePrefix(expr);
  const a = parseAddr(expr);
  if (a === null) throw new Error(`invalid IP address: '${expr}'`);
  return addrPrefix(a);
}

/**
 * Reads a server's `trusted_proxies` ({source: "static", ranges}),
 * `client_ip_headers` and `trusted_proxies_strict`. Throws on bad ranges or
 * an IP source module tsweb does not have.
 */
export function compileClientIPOptions(server: JSONObject | undefined): ClientIPOptions {
  if (!server) return defaultClientIPOptions;
  let trusted: Prefix[] | null = null;
  const tp = server.trusted_proxies as JSONObject | undefined;
  if (tp !== undefined && tp !== null) {
    const source = tp.source;
    if (source !== 'static') {
      throw new Error(`loading trusted_proxies module: unknown module: http.ip_sources.${String(source)}`);
    }
    trusted = [];
    for (const r of (tp.ranges ?? []) as string[]) {
      try {
        trusted.push(cidrToPrefix(r));
      } catch (err) {
        throw new Error(`loading trusted_proxies module: parsing CIDR expression: '${r}': ${(err as Error).message}`);
      }
    }
  }
  const hdrs = server.client_ip_headers as string[] | undefined;
  return {
    trusted,
    headers: hdrs && hdrs.length > 0 ? hdrs.map((h) => h.toLowerCase()) : defaultClientIPOptions.headers,
    strict: Number(server.trusted_proxies_strict ?? 0) > 0,
  };
}

function isTrusted(a: Addr, trusted: readonly Prefix[]): boolean {
  for (const p of trusted) if (prefixContains(p, a)) return true;
  return false;
}

/** One header list entry as an address: port and zone removed, spaces trimmed. */
function headerIP(part: string): Addr | null {
  const hp = splitHostPort(part);
  let host = (hp ? hp[0] : part).trim();
  const pct = host.indexOf('%');
  if (pct >= 0) host = host.slice(0, pct);
  return parseAddr(host);
}

/**
 * Whether the peer is a trusted proxy, and the client IP (canonical text, as
 * netip prints it). `remoteIP` is the peer address without port.
 */
export function determineClientIP(
  req: IncomingMessage,
  remoteIP: string,
  opts: ClientIPOptions = defaultClientIPOptions,
): { trusted: boolean; clientIP: string } {
  const pct = remoteIP.indexOf('%');
  const peer = parseAddr(pct >= 0 ? remoteIP.slice(0, pct) : remoteIP);
  if (peer === null) return { trusted: false, clientIP: '' };
  const peerText = addrString(peer);
  if (opts.trusted === null || !isTrusted(peer, opts.trusted)) return { trusted: false, clientIP: peerText };

  if (opts.strict) {
    for (const name of opts.headers) {
      const parts = headerValues(req, name).join(',').split(',');
      for (let i = parts.length - 1; i >= 0; i--) {
        const a = headerIP(parts[i]!);
        if (a !== null && !isTrusted(a, opts.trusted)) return { trusted: true, clientIP: addrString(a) };
      }
    }
    return { trusted: true, clientIP: peerText };
  }

  const values: string[] = [];
  for (const name of opts.headers) values.push(...headerValues(req, name));
  if (values.length === 0) return { trusted: true, clientIP: peerText };
  for (const part of values.join(',').split(',')) {
    const a = headerIP(part);
    if (a !== null) return { trusted: true, clientIP: addrString(a) };
  }
  return { trusted: true, clientIP: peerText };
}
