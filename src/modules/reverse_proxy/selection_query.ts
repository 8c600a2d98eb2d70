/**
 * query <key> (Caddy's QueryHashSelection): requests with the same values of
 * the query parameter (joined with commas, as Go's url.Values) go to the
 * same upstream; without the parameter, the fallback policy (random by
 * default) decides.
 */
import type { Ctx } from '../../core/types.js';
import type { Selector } from './selection.js';
import type { Upstream } from './upstreams.js';

/** The values of `key` in a raw query string, decoded as Go's ParseQuery does, joined with ','. */
export function queryValues(raw: string, key: string): string {
  if (raw === '') return '';
  return new URLSearchParams(raw).getAll(key).join(',');
}

export function queryPolicy(key: string, fallback: Selector, hash: (pool: readonly Upstream[], key: string) => Upstream | null): Selector {
  return (pool, ctx: Ctx) => {
    const v = queryValues(ctx.query, key);
    return v === '' ? fallback(pool, ctx) : hash(pool, v);
  };
}
