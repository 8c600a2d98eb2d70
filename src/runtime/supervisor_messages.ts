/**
 * What the supervisor and its request workers say to each other (over a
 * worker thread's port or a cluster child's IPC channel; plain data only).
 *
 * A load is two-phase: every worker provisions the config beside the one it
 * runs and answers `prepared` (or `failed`); only when all are prepared does
 * the supervisor send `commit`, else `abort` to those that were. A worker
 * that replaces a crashed one gets `commit: true` with the load: it has
 * nothing to switch from and nobody to agree with.
 */
import type { MetricsSnapshot } from '../core/metrics/registry.js';
import type { JSONObject } from '../core/registry.js';
import type { SharedTableInit } from '../core/shared/index.js';
import type { UpstreamStatus } from '../core/upstream_status.js';
import type { CacheKeysQuery } from '../modules/cache/stores.js';

export type ToWorker =
  | { t: 'load'; seq: number; config: JSONObject; configFiles: string[]; commit: boolean }
  | { t: 'commit'; seq: number }
  | { t: 'abort'; seq: number }
  | { t: 'stop' }
  /** The admin API or a scrape wants this worker's figures (the supervisor merges them). */
  | { t: 'collect'; seq: number; what: 'metrics' | 'upstreams' }
  /** The admin API's cache listing or purge (src/modules/cache/stores.ts): every worker holds its own stores. */
  | { t: 'cacheKeys'; seq: number; query: CacheKeysQuery }
  /** The answer to a worker's `gather`: every worker's metrics merged (null: none could be had). */
  | { t: 'gathered'; seq: number; snapshot: MetricsSnapshot | null };

export type FromWorker =
  | { t: 'ready' }
  | { t: 'prepared'; seq: number }
  /** `addresses`: the listeners as bound, per server name. */
  | { t: 'loaded'; seq: number; addresses: Array<[string, string[]]> }
  | { t: 'failed'; seq: number; error: string }
  /** Its config has stopped; `metrics`: its counters, which the supervisor keeps adding to the server's. */
  | { t: 'stopped'; metrics?: MetricsSnapshot }
  | { t: 'collected'; seq: number; metrics?: MetricsSnapshot; upstreams?: UpstreamStatus[] }
  /** The keys this worker's stores matched (and purged, if asked); `error`: a pattern that does not compile. */
  | { t: 'cacheKeys'; seq: number; keys: string[]; error?: string }
  /** A `metrics` handler in this worker wants the server's figures. */
  | { t: 'gather'; seq: number };

/** Data a worker thread is started with; its presence is how the entry point knows it is one. */
export interface WorkerData {
  tswebWorker: number;
  /** The supervisor's shared table (upstream state, policy counters): src/core/shared. */
  shared?: SharedTableInit;
  /** The supervisor's arena of named shared blocks (rate_limit zones): src/core/shared/arena.ts. */
  arena?: SharedArrayBuffer;
}

/** The environment variable every request worker gets: its number, 1..N ({env.TSWEB_WORKER}). */
export const WORKER_ENV = 'TSWEB_WORKER';

/** A cluster child's `exec`: inside a SEA it arrives as an extra argv entry, recognised and ignored. */
export const WORKER_EXEC_MARKER = '--tsweb-request-worker';
