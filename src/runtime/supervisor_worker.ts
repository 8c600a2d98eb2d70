/**
 * A request worker: a Runtime with listeners, driven by the supervisor
 * (supervisor.ts). It loads what it is sent, waits between provisioning and
 * starting for the supervisor's verdict (every worker switches or none does)
 * and stops when told. It never reads a config file or serves the admin API:
 * the supervisor owns those.
 */
import { workerData } from 'node:worker_threads';
import { listenMode } from '../apps/http/listeners.js';
import type { EngineLog } from '../core/log.js';
import { registry, setMetricsGatherer } from '../core/metrics/index.js';
import type { MetricsSnapshot } from '../core/metrics/registry.js';
import { joinArena } from '../core/shared/arena.js';
import { joinSharedTable, type SharedTableInit } from '../core/shared/index.js';
import { upstreamStatuses } from '../core/upstream_status.js';
import { localCacheKeys } from '../modules/cache/stores.js';
import { LoadError, Runtime } from './runtime.js';
import type { FromWorker, ToWorker, WorkerData } from './supervisor_messages.js';

/** How long a `metrics` handler waits for the server's figures before serving this worker's own. */
const GATHER_TIMEOUT_MS = 3000;

/** Where node's `reusePort` listen option works (elsewhere it throws). */
const REUSE_PORT_PLATFORMS = new Set<string>(['linux', 'freebsd', 'dragonfly', 'sunos', 'aix']);

export interface WorkerPort {
  send(msg: FromWorker): void;
  onMessage(fn: (msg: ToWorker) => void): void;
}

export interface WorkerOptions {
  id: number;
  /** thread: one listener per thread on each address (SO_REUSEPORT); process: node:cluster shares the primary's. */
  design: 'thread' | 'process';
  log: EngineLog;
  env: NodeJS.ProcessEnv;
  /** Sees each config before it loads (the CLI follows its `debug`). */
  onConfig?: (config: unknown) => void;
  /** Ends the worker once its config has stopped. */
  exit: () => void;
  /** Runs in the supervisor's own thread (`workers 1`): the supervisor serves its metrics. */
  local?: boolean;
  /** The supervisor's shared table; a thread finds it in its workerData. */
  shared?: SharedTableInit;
  /** The supervisor's arena; a thread finds it in its workerData. */
  arena?: SharedArrayBuffer;
}

export function serveAsWorker(port: WorkerPort, opts: WorkerOptions): void {
  // In-process, SO_REUSEPORT only where the kernel has it (Linux, the BSDs):
  // it lets worker threads bind beside this one when a reload asks for more.
  listenMode.reusePort = opts.design === 'thread' && (!opts.local || REUSE_PORT_PLATFORMS.has(process.platform));
  // A unix socket has one owner; see listenMode.
  listenMode.ownsUnixSockets = opts.id <= 1;
  // Before any config loads: upstreams and policies find their entries in the supervisor's table.
  const data = workerData as WorkerData | null;
  const shared = opts.shared ?? data?.shared;
  if (shared !== undefined) joinSharedTable(shared, opts.id);
  const arena = opts.arena ?? data?.arena;
  if (arena !== undefined) joinArena(arena);

  // The `metrics` handler serves the server's figures: the supervisor gathers every worker's.
  let gatherSeq = 0;
  const gathering = new Map<number, (snap: MetricsSnapshot | null) => void>();
  const gatherFromSupervisor = () =>
    new Promise<MetricsSnapshot>((resolve) => {
      const seq = ++gatherSeq;
      const timer = setTimeout(() => done(null), GATHER_TIMEOUT_MS);
      const done = (snap: MetricsSnapshot | null) => {
        clearTimeout(timer);
        gathering.delete(seq);
        resolve(snap ?? registry.snapshot());
      };
      gathering.set(seq, done);
      port.send({ t: 'gather', seq });
    });
  if (!opts.local) setMetricsGatherer(gatherFromSupervisor);

  let verdict: { seq: number; resolve: () => void; reject: (err: Error) => void } | null = null;
  let loading: { seq: number; commit: boolean } | null = null;
  const runtime = new Runtime({
    log: opts.log,
    env: opts.env,
    beforeStart: () => {
      const l = loading!;
      if (l.commit) return Promise.resolve();
      return new Promise<void>((resolve, reject) => {
        verdict = { seq: l.seq, resolve, reject };
        port.send({ t: 'prepared', seq: l.seq });
      });
    },
  });

  port.onMessage((msg) => {
    switch (msg.t) {
      case 'load': {
        loading = { seq: msg.seq, commit: msg.commit };
        opts.onConfig?.(msg.config);
        runtime.load(msg.config, { configFiles: msg.configFiles }).then(
          () => port.send({ t: 'loaded', seq: msg.seq, addresses: [...runtime.addresses()] }),
          (err: unknown) => {
            if (!(err instanceof LoadError)) opts.log('error', '', 'request worker: loading config', { error: err instanceof Error ? (err.stack ?? err.message) : String(err) });
            port.send({ t: 'failed', seq: msg.seq, error: err instanceof Error ? err.message : String(err) });
          },
        );
        break;
      }
      case 'commit':
      case 'abort': {
        const v = verdict;
        if (v === null || v.seq !== msg.seq) break;
        verdict = null;
        if (msg.t === 'commit') v.resolve();
        else v.reject(new Error('another request worker refused the config'));
        break;
      }
      case 'stop':
        void runtime.stop().finally(() => {
          port.send({ t: 'stopped', metrics: registry.snapshot() });
          opts.exit();
        });
        break;
      case 'collect':
        if (msg.what === 'metrics') port.send({ t: 'collected', seq: msg.seq, metrics: registry.snapshot() });
        else port.send({ t: 'collected', seq: msg.seq, upstreams: upstreamStatuses() });
        break;
      case 'cacheKeys':
        try {
          port.send({ t: 'cacheKeys', seq: msg.seq, keys: localCacheKeys(msg.query) });
        } catch (err) {
          port.send({ t: 'cacheKeys', seq: msg.seq, keys: [], error: (err as Error).message });
        }
        break;
      case 'gathered':
        gathering.get(msg.seq)?.(msg.snapshot);
        break;
    }
  });
  port.send({ t: 'ready' });
}
