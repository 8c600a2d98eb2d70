/**
 * The `cache` handler's JSON: the flat fields of caddyserver/cache-handler's
 * http.handlers.cache (durations as nanoseconds or Go duration strings),
 * plus tsweb's `x_cache_status`, `memory_limit` and `lock_timeout`.
 */
import { DecodeError, ObjectReader } from '../../core/decode.js';
import type { JSONObject } from '../../core/registry.js';
import { decodeDisk, type DiskConfig } from './disk_config.js';

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
  /** tsweb: the memory store's byte budget for the whole server (one store shared by every worker), least recently used entries evicted first. */
  memory_limit?: number;
  /** tsweb (nginx's proxy_cache_lock_timeout): how long a miss waits for another request's fetch of the same key before fetching itself; default 5s. */
  lock_timeout?: number | string;
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
  /** How long concurrent misses on one key wait for the first one's fetch (0: they do not wait). */
  lockTimeoutMs: number;
  /** The disk store (simplefs, badger or nuts in the JSON), when configured. */
  disk?: DiskConfig;
  /** Bodies larger than this are kept on disk only (with a disk store). */
  memoryBodyMax: number;
  /** Plugin fields present in the JSON that tsweb does not act on (the handler logs them once). */
  ignored: string[];
}

/** Souin's default name in Cache-Status. */
export const DEFAULT_CACHE_NAME = 'Souin';
export const DEFAULT_TTL_MS = 120_000;
/** Bodies larger than this are streamed but not stored, unless max_cacheable_body_bytes says otherwise. */
export const DEFAULT_MAX_BODY = 8 << 20;
export const DEFAULT_MEMORY_LIMIT = 64 << 20;
/** nginx's proxy_cache_lock_timeout default. */
export const DEFAULT_LOCK_TIMEOUT_MS = 5_000;
/** With a disk store: bodies up to a quarter of directory_size, at most this. */
export const DEFAULT_MAX_BODY_DISK = 1 << 30;

const IGNORED_FIELDS = [
  'api', 'cdn', 'etcd', 'nats', 'olric', 'otter', 'redis',
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
  const disk = decodeDisk(r);
  ignored.push(...disk.ignored);
  for (const refused of ['cache_keys', 'regex']) {
    if (json[refused] !== undefined && json[refused] !== null) throw new DecodeError(refused, `not supported by tsweb yet`);
  }
  const ttlMs = r.durationMs('ttl') || DEFAULT_TTL_MS;
  const staleMs = r.durationMs('stale');
  if (ttlMs < 0 || staleMs < 0) throw new DecodeError(ttlMs < 0 ? 'ttl' : 'stale', 'must not be negative');
  const lockTimeout = r.durationMs('lock_timeout');
  // An explicit 0 means no waiting; only an absent value takes nginx's default.
  const lockTimeoutMs = json.lock_timeout === undefined || json.lock_timeout === null ? DEFAULT_LOCK_TIMEOUT_MS : lockTimeout;
  if (lockTimeoutMs < 0) throw new DecodeError('lock_timeout', 'must not be negative');
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
    maxBodyBytes: size(r, 'max_cacheable_body_bytes', disk.disk === undefined ? DEFAULT_MAX_BODY : Math.min(DEFAULT_MAX_BODY_DISK, Math.floor(disk.disk.maxBytes / 4))),
    xCacheStatus: r.bool('x_cache_status'),
    memoryLimit: size(r, 'memory_limit', DEFAULT_MEMORY_LIMIT),
    lockTimeoutMs,
    disk: disk.disk,
    memoryBodyMax: 0,
    ignored,
  };
  r.done();
  out.memoryBodyMax = Math.max(1 << 20, Math.floor(out.memoryLimit / 16));
  return out;
}
