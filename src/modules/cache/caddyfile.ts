/**
 * cache [<matcher>] [{ ...cache-handler's options, see src/adapt/options/cache.ts }]
 *
 * The global `cache` option's values are the defaults; the directive's own
 * override them field by field (the `key` block as a whole), as
 * cache-handler's FromApp merges them. ttl defaults to 120s.
 */
import { handlerDirective } from '../../adapt/registry.js';
import { type CacheBlock, parseCacheBlock } from '../../adapt/options/cache.js';
import type { CacheConfig } from './config.js';

export const cacheDirective = handlerDirective('cache', (h) => {
  h.next(); // directive name
  const own = parseCacheBlock(h);
  const global = h.option('cache') as CacheBlock | undefined;
  const ignored = [...(global?.ignored ?? []), ...own.ignored];
  if (ignored.length > 0) h.warn(`cache: options not supported by tsweb yet, ignored: ${[...new Set(ignored)].join(', ')}`);
  const out = { handler: 'cache', ...(global?.json ?? {}), ...own.json } as CacheConfig & Record<string, unknown>;
  if (out.ttl === undefined) out.ttl = 120_000_000_000;
  return out;
});
