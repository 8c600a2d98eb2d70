/**
 * Removing hop-by-hop headers (the list: src/core/hop_headers.ts) from a
 * HeaderMap: the node:http path's request and response both call it.
 */
import { HOP_BY_HOP } from '../../core/hop_headers.js';
import type { HeaderMap } from './header_map.js';

/** Removes the fields named by Connection, then the fixed hop-by-hop list. */
export function removeHopHeaders(h: HeaderMap): void {
  for (const value of h.get('connection') ?? []) {
    for (const name of value.split(',')) {
      const n = name.trim().toLowerCase();
      if (n !== '') h.del(n);
    }
  }
  for (const n of HOP_BY_HOP) h.del(n);
}

/** Go's upgradeType: the Upgrade protocol when Connection lists "upgrade", else ''. */
export function upgradeType(connection: string[] | undefined, upgrade: string[] | undefined): string {
  if (connection === undefined || upgrade === undefined) return '';
  const hasToken = connection.some((v) => v.split(',').some((t) => t.trim().toLowerCase() === 'upgrade'));
  return hasToken ? (upgrade[0] ?? '') : '';
}
