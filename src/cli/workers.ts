/**
 * The executable as a request worker (`workers N`, src/runtime/supervisor.ts):
 * how the supervisor starts one, and what the entry point does when it is one.
 * A worker thread is recognised by its workerData, a cluster child by
 * node:cluster; neither reads argv, so the extra argument a SEA's forked
 * child receives (the fork's `exec`, see WORKER_EXEC_MARKER) is ignored.
 */
import cluster from 'node:cluster';
import { getAsset, isSea } from 'node:sea';
import { isMainThread, parentPort, workerData } from 'node:worker_threads';
import type { WorkerDesign, WorkerEntry } from '../runtime/supervisor.js';
import { WORKER_ENV, type FromWorker, type ToWorker, type WorkerData } from '../runtime/supervisor_messages.js';
import { serveAsWorker } from '../runtime/supervisor_worker.js';
import { processIO } from './io.js';
import { stderrLogger } from './log.js';
import { engineLog, wantsDebug } from './engine_log.js';

/**
 * Inside a SEA a worker thread has no file of ours to run: it evaluates the
 * SEA's own main script, an asset of the blob (scripts/sea.mjs), which runs
 * the bundle with its code cache.
 */
const SEA_BOOT = 'tsweb-boot.js';

/** TSWEB_WORKERS_DESIGN=thread|process picks the design and forces the supervisor even for 1 worker (measuring). */
export function requestWorkerDesign(env: NodeJS.ProcessEnv): { design: WorkerDesign; forced: boolean } {
  const v = env.TSWEB_WORKERS_DESIGN;
  if (v === 'thread' || v === 'process') return { design: v, forced: true };
  return { design: 'thread', forced: false };
}

export function workerEntry(design: WorkerDesign): WorkerEntry {
  if (!isSea()) return { file: process.argv[1]! };
  if (design === 'process') return {};
  let source: string;
  try {
    source = getAsset(SEA_BOOT, 'utf8');
  } catch {
    throw new Error('this build has no worker source: worker threads cannot start');
  }
  return { source };
}

/** Starts serving as a request worker if this thread or process is one; false for the CLI. */
export function runAsRequestWorker(): boolean {
  const thread = !isMainThread && (workerData as WorkerData | null)?.tswebWorker !== undefined;
  if (!thread && !cluster.isWorker) return false;
  const io = processIO();
  const log = stderrLogger(io.stderr, io.stderrIsTTY);
  let debug = false;
  const elog = engineLog(log, () => debug);
  // As the single-process server does (src/cli/serve.ts): one request's bug does not take the others down.
  const onUncaught = (err: unknown) => log.log('error', 'http', 'uncaught error; still serving', { error: err instanceof Error ? (err.stack ?? err.message) : String(err) });
  process.on('uncaughtException', onUncaught);
  process.on('unhandledRejection', onUncaught);
  const common = { log: elog, env: process.env, onConfig: (c: unknown) => (debug = wantsDebug(c)) };
  if (thread) {
    const port = parentPort!;
    serveAsWorker(
      { send: (m: FromWorker) => port.postMessage(m), onMessage: (fn: (m: ToWorker) => void) => port.on('message', fn) },
      { ...common, id: (workerData as WorkerData).tswebWorker, design: 'thread', exit: () => process.exit(0) },
    );
    return true;
  }
  // Signals are the supervisor's to act on (a terminal's Ctrl-C reaches the
  // whole process group); a worker stops when told, or when its supervisor is gone.
  for (const sig of ['SIGINT', 'SIGTERM', 'SIGUSR1'] as const) process.on(sig, () => {});
  process.on('disconnect', () => process.exit(0));
  serveAsWorker(
    { send: (m: FromWorker) => void process.send!(m), onMessage: (fn: (m: ToWorker) => void) => process.on('message', (m) => fn(m as ToWorker)) },
    { ...common, id: Number(process.env[WORKER_ENV]), design: 'process', exit: () => process.exit(0) },
  );
  return true;
}
