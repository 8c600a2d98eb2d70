/**
 * Hop-by-hop headers (RFC 9110 7.6.1, Go's httputil hopHeaders): they describe
 * one connection, so a proxy never forwards them, in either direction. The
 * one place tsweb removes them; request and response paths both call it.
 */
import type { HeaderMap } from './header_map.js';

const HOP_HEADERS = ['connection', 'proxy-connection', 'keep-alive', 'proxy-authenticate', 'proxy-authorization', 'te', 'trailer', 'transfer-encoding', 'upgrade'];

/** Removes the fields named by Connection, then the fixed hop-by-hop list. */
export function removeHopHeaders(h: HeaderMap): void {
  for (const value of h.get('connection') ?? []) {
    for (const name of value.split(',')) {
      const n = name.trim().toLowerCase();
      if (n !== '') h.del(n);
    }
  }
  for (const n of HOP_HEADERS) h.del(n);
}

/** Go's upgradeType: the Upgrade protocol when Connection lists "upgrade", else ''. */
export function upgradeType(connection: string[] | undefined, upgrade: string[] | undefined): string {
  if (connection === undefined || upgrade === undefined) return '';
  const hasToken = connection.some((v) => v.split(',').some((t) => t.trim().toLowerCase() === 'upgrade'));
  return hasToken ? (upgrade[0] ?? '') : '';
}
