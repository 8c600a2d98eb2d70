/**
 * The `cache` handler's JSON: the flat fields of caddyserver/cache-handler's
 * http.handlers.cache (durations as nanoseconds or Go duration strings),
 * plus tsweb's `x_cache_status` and `memory_limit`.
 */
import { DecodeError, ObjectReader } from '../../core/decode.js';
import type { JSONObject } from '../../core/registry.js';

export type CacheMode = 'strict' | 'bypass' | 'bypass_request' | 'bypass_response';

export interface CacheKeyConfig {
  disable_body?: boolean;
  disable_host?: boolean;
  disable_method?: boolean;
  disable_query?: boolean;
  disable_scheme?: boolean;
  hide?: boolean;
  headers?: string[];
}

export interface CacheConfig {
  handler: 'cache';
  ttl?: number | string;
  stale?: number | string;
  default_cache_control?: string;
  allowed_http_verbs?: string[];
  cache_name?: string;
  mode?: CacheMode;
  key?: CacheKeyConfig;
  max_cacheable_body_bytes?: number;
  /** tsweb: also send nginx's X-Cache-Status (HIT, MISS, EXPIRED, STALE, UPDATING, REVALIDATED, BYPASS). */
  x_cache_status?: boolean;
  /** tsweb: the memory store's byte budget (per worker), least recently used entries evicted first. */
  memory_limit?: number;
}

export interface CacheKeyOptions {
  disableBody: boolean;
  disableHost: boolean;
  disableMethod: boolean;
  disableQuery: boolean;
  disableScheme: boolean;
  hide: boolean;
  /** Request header names whose values join the key, as given. */
  headers: string[];
}

export interface Cache {
  ttlMs: number;
  staleMs: number;
  defaultCacheControl: string;
  verbs: Set<string>;
  cacheName: string;
  /** Request Cache-Control is ignored (bypass_request) / response Cache-Control is ignored (bypass_response). */
  bypassRequest: boolean;
  bypassResponse: boolean;
  key: CacheKeyOptions;
  maxBodyBytes: number;
  xCacheStatus: boolean;
  memoryLimit: number;
  /** Plugin fields present in the JSON that tsweb does not act on (the handler logs them once). */
  ignored: string[];
}

/** Souin's default name in Cache-Status. */
export const DEFAULT_CACHE_NAME = 'Souin';
export const DEFAULT_TTL_MS = 120_000;
/** Bodies larger than this are streamed but not stored, unless max_cacheable_body_bytes says otherwise. */
export const DEFAULT_MAX_BODY = 8 << 20;
export const DEFAULT_MEMORY_LIMIT = 64 << 20;

const IGNORED_FIELDS = [
  'api', 'badger', 'cdn', 'etcd', 'nats', 'nuts', 'olric', 'otter', 'redis', 'simplefs',
  'storers', 'timeout', 'log_level', 'surrogate_keys', 'allowed_additional_status_codes', 'headers',
];

function size(r: ObjectReader, key: string, fallback: number): number {
  const v = r.int(key);
  if (v === undefined || v === 0) return fallback;
  if (v < 0) throw new DecodeError(r.at(key), 'must not be negative');
  return v;
}

export function decodeCache(json: JSONObject): Cache {
  const r = new ObjectReader(json);
  r.ignore('handler');
  const ignored = IGNORED_FIELDS.filter((f) => json[f] !== undefined && json[f] !== null);
  r.ignore(...IGNORED_FIELDS);
  for (const refused of ['cache_keys', 'regex']) {
    if (json[refused] !== undefined && json[refused] !== null) throw new DecodeError(refused, `not supported by tsweb yet`);
  }
  const ttlMs = r.durationMs('ttl') || DEFAULT_TTL_MS;
  const staleMs = r.durationMs('stale');
  if (ttlMs < 0 || staleMs < 0) throw new DecodeError(ttlMs < 0 ? 'ttl' : 'stale', 'must not be negative');
  const verbs = r.strList('allowed_http_verbs').map((v) => v.toUpperCase());
  for (const [i, v] of verbs.entries()) {
    // Caching POST needs the body in the key (cache-handler hashes it); tsweb does not read bodies yet.
    if (v !== 'GET' && v !== 'HEAD') throw new DecodeError(`allowed_http_verbs[${i}]`, `caching ${v} responses is not supported by tsweb yet (GET and HEAD are)`);
  }
  const mode = r.str('mode', 'strict');
  if (!['strict', 'bypass', 'bypass_request', 'bypass_response', ''].includes(mode)) throw new DecodeError('mode', `unknown mode '${mode}'`);
  const k = r.obj('key');
  const key: CacheKeyOptions = {
    disableBody: k.bool('disable_body'),
    disableHost: k.bool('disable_host'),
    disableMethod: k.bool('disable_method'),
    disableQuery: k.bool('disable_query'),
    disableScheme: k.bool('disable_scheme'),
    hide: k.bool('hide'),
    headers: k.strList('headers'),
  };
  for (const f of ['template', 'hash', 'disable_vary', 'sort_query']) {
    if (k.raw(f) !== undefined) ignored.push(`key.${f}`);
  }
  k.done();
  const out: Cache = {
    ttlMs,
    staleMs,
    defaultCacheControl: r.str('default_cache_control', ''),
    verbs: new Set(verbs.length > 0 ? verbs : ['GET', 'HEAD']),
    cacheName: r.str('cache_name', '') || DEFAULT_CACHE_NAME,
    bypassRequest: mode === 'bypass' || mode === 'bypass_request',
    bypassResponse: mode === 'bypass' || mode === 'bypass_response',
    key,
    maxBodyBytes: size(r, 'max_cacheable_body_bytes', DEFAULT_MAX_BODY),
    xCacheStatus: r.bool('x_cache_status'),
    memoryLimit: size(r, 'memory_limit', DEFAULT_MEMORY_LIMIT),
    ignored,
  };
  r.done();
  return out;
}
