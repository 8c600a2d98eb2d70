/**
 * The primary cache key, in Souin's shape so Cache-Status shows what
 * cache-handler users know: `GET-http-example.com-/path?query` plus
 * `-<value>` per configured key header; each part can be left out.
 */
import type { IncomingHttpHeaders } from 'node:http';
import type { CacheKeyOptions } from './config.js';

export interface KeyParts {
  method: string;
  scheme: string;
  host: string;
  path: string;
  query: string;
}

export function cacheKey(o: CacheKeyOptions, p: KeyParts, headers: IncomingHttpHeaders): string {
  let k = '';
  if (!o.disableMethod) k += p.method + '-';
  if (!o.disableScheme) k += p.scheme + '-';
  if (!o.disableHost) k += p.host + '-';
  k += p.path;
  if (!o.disableQuery && p.query !== '') k += '?' + p.query;
  for (const name of o.headers) {
    const v = headers[name.toLowerCase()];
    k += '-' + (Array.isArray(v) ? (v[0] ?? '') : (v ?? ''));
  }
  return k;
}
