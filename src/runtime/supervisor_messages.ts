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
import type { JSONObject } from '../core/registry.js';

export type ToWorker =
  | { t: 'load'; seq: number; config: JSONObject; configFiles: string[]; commit: boolean }
  | { t: 'commit'; seq: number }
  | { t: 'abort'; seq: number }
  | { t: 'stop' };

export type FromWorker =
  | { t: 'ready' }
  | { t: 'prepared'; seq: number }
  /** `addresses`: the listeners as bound, per server name. */
  | { t: 'loaded'; seq: number; addresses: Array<[string, string[]]> }
  | { t: 'failed'; seq: number; error: string }
  | { t: 'stopped' };

/** Data a worker thread is started with; its presence is how the entry point knows it is one. */
export interface WorkerData {
  tswebWorker: number;
}

/** The environment variable every request worker gets: its number, 1..N ({env.TSWEB_WORKER}). */
export const WORKER_ENV = 'TSWEB_WORKER';

/** A cluster child's `exec`: inside a SEA it arrives as an extra argv entry, recognised and ignored. */
export const WORKER_EXEC_MARKER = '--tsweb-request-worker';
