/**
 * Every core: a supervisor and N request workers (the `workers` option,
 * `apps.http.workers` in JSON). The supervisor keeps what is one per server
 * (the config, the admin API through `onLoad`, the decision to switch) and
 * runs no listener; each worker runs a Runtime with listeners
 * (supervisor_worker.ts). ARCHITECTURE.md, "Every core", has the measurements
 * behind the design and which values are per worker.
 *
 * - A load is all-or-nothing across workers: each provisions beside its
 *   running config and reports; only if all did does the supervisor let them
 *   start (supervisor_messages.ts). A start that fails after that (a port
 *   taken between the two phases) puts the workers that switched back on the
 *   previous config, and the load is refused.
 * - A worker that exits without being told to is logged and replaced with
 *   the running config; the others, and their connections, are untouched.
 *
 * It stands in for the Runtime (same load/stop/config surface), so the
 * config manager, the admin API and the signal handling need not know.
 */
import cluster, { type Worker as ClusterWorker } from 'node:cluster';
import { Worker as ThreadWorker } from 'node:worker_threads';
import type { EngineLog } from '../core/log.js';
import { silentLog } from '../core/log.js';
import type { JSONObject } from '../core/registry.js';
import { isObject } from '../go/json.js';
import { type ConfigPath, indexIds, LoadError, loadFailure, type LoadOptions, Runtime, type RuntimeOptions } from './runtime.js';
import { type FromWorker, type ToWorker, WORKER_ENV, WORKER_EXEC_MARKER, type WorkerData } from './supervisor_messages.js';
import { checkConfigShape, ConfigValidationError } from './validate.js';
import { availableParallelism } from 'node:os';

export type WorkerDesign = 'thread' | 'process';

/** How a worker's code is found: the bundle's path, or its text when there is no file (a SEA). */
export interface WorkerEntry {
  file?: string;
  source?: string;
}

export interface SupervisorOptions extends RuntimeOptions {
  design: WorkerDesign;
  entry: WorkerEntry;
}

/**
 * `apps.http.workers`: a positive integer or "auto" (the machine's cores).
 * 1 when absent. Throws a ConfigValidationError for anything else.
 */
export function workersOf(config: unknown): number {
  const http = isObject(config) && isObject(config.apps) ? config.apps.http : undefined;
  const v = isObject(http) ? http.workers : undefined;
  if (v === undefined || v === null) return 1;
  if (v === 'auto') return availableParallelism();
  if (typeof v === 'number' && Number.isInteger(v) && v >= 1 && v <= 1024) return v;
  throw new ConfigValidationError(`loading http app module: provision http: workers: must be a positive integer or "auto", got ${JSON.stringify(v)}`);
}

/** One live worker, thread or process, behind the same few calls. */
interface Link {
  send(msg: ToWorker): void;
  kill(): void;
}

interface Slot {
  readonly id: number;
  link: Link;
  startedAt: number;
  /** Told to stop (scale-down or exit): its exit is expected. */
  leaving: boolean;
  exited: boolean;
  /** Called with every message and with null when the worker exits. */
  readonly waiters: Set<(msg: FromWorker | null) => void>;
}

type Reply = FromWorker | { t: 'gone' };

export class Supervisor extends Runtime {
  private readonly opts: SupervisorOptions;
  private readonly slog: EngineLog;
  private readonly slots = new Map<number, Slot>();
  private serving: { json: JSONObject; ids: Map<string, ConfigPath>; loadOpts: LoadOptions; addresses: Map<string, string[]> } | null = null;
  private seq = 0;
  private serialQueue: Promise<unknown> = Promise.resolve();
  private stopping = false;
  private wanted = 0;

  constructor(opts: SupervisorOptions) {
    super({ log: opts.log, env: opts.env });
    this.opts = opts;
    this.slog = opts.log ?? silentLog;
  }

  override get running(): boolean {
    return this.serving !== null;
  }

  override get config(): JSONObject | null {
    return this.serving?.json ?? null;
  }

  override idPath(id: string): ConfigPath | undefined {
    return this.serving?.ids.get(id);
  }

  /** As worker 1 bound them (all workers bind the same addresses). */
  override addresses(): Map<string, string[]> {
    return new Map(this.serving?.addresses ?? []);
  }

  /** The live workers' numbers (tests). */
  workerIds(): number[] {
    return [...this.slots.values()].filter((s) => !s.exited).map((s) => s.id);
  }

  /** Ends worker `id` abruptly, as a crash would (tests). */
  killWorker(id: number): void {
    this.slots.get(id)?.link.kill();
  }

  override load(config: unknown, opts: LoadOptions = {}): Promise<void> {
    return this.serial(() => this.loadAll(config, opts));
  }

  override stop(): Promise<void> {
    return this.serial(() => this.stopAll());
  }

  private serial<T>(fn: () => Promise<T>): Promise<T> {
    const run = this.serialQueue.then(fn, fn);
    this.serialQueue = run.catch(() => {});
    return run;
  }

  private async loadAll(config: unknown, loadOpts: LoadOptions): Promise<void> {
    if (this.stopping) throw new LoadError('the server is stopped');
    let ids: Map<string, ConfigPath>;
    let workers: number;
    try {
      checkConfigShape(config);
      workers = workersOf(config);
    } catch (err) {
      if (err instanceof ConfigValidationError) throw loadFailure(err.message);
      throw err;
    }
    try {
      ids = indexIds(config);
    } catch (err) {
      if (err instanceof ConfigValidationError) throw new LoadError(err.message);
      throw err;
    }
    const json = config as JSONObject;
    let settle: (loaded: boolean) => void = () => {};
    if (this.opts.onLoad !== undefined) {
      try {
        settle = await this.opts.onLoad(json);
      } catch (err) {
        throw loadFailure((err as Error).message, err);
      }
    }
    // The first load needs workers to load into; later ones resize after the switch.
    if (this.serving === null) {
      this.wanted = workers;
      await this.spawnUpTo(workers);
    }

    const seq = ++this.seq;
    const live = this.liveSlots();
    for (const s of live) s.link.send({ t: 'load', seq, config: json, configFiles: loadOpts.configFiles ?? [], commit: false });
    const prepared = await Promise.all(live.map((s) => this.reply(s, seq, ['prepared', 'failed'])));
    const refused = prepared.find((m) => m.t === 'failed');
    if (refused !== undefined) {
      const waits: Array<Promise<Reply>> = [];
      live.forEach((s, i) => {
        if (prepared[i]!.t !== 'prepared') return;
        s.link.send({ t: 'abort', seq });
        waits.push(this.reply(s, seq, ['loaded', 'failed']));
      });
      await Promise.all(waits);
      settle(false);
      throw new LoadError((refused as { error: string }).error);
    }

    const committed = live.filter((_, i) => prepared[i]!.t === 'prepared');
    for (const s of committed) s.link.send({ t: 'commit', seq });
    const done = await Promise.all(committed.map((s) => this.reply(s, seq, ['loaded', 'failed'])));
    const failed = done.find((m) => m.t === 'failed');
    if (failed !== undefined) {
      await this.rollBack(committed.filter((_, i) => done[i]!.t === 'loaded'));
      settle(false);
      throw new LoadError((failed as { error: string }).error);
    }
    const first = done.find((m) => m.t === 'loaded') as { addresses: Array<[string, string[]]> } | undefined;
    this.serving = { json, ids, loadOpts, addresses: new Map(first?.addresses ?? []) };
    settle(true);
    this.wanted = workers;
    await this.resize();
  }

  /** Workers that switched to a config others could not start go back to the previous one. */
  private async rollBack(switched: Slot[]): Promise<void> {
    const prev = this.serving;
    if (prev === null) {
      // Nothing to go back to: the initial config failed; those workers stop.
      await Promise.all(switched.map((s) => this.retireSlot(s)));
      return;
    }
    const seq = ++this.seq;
    for (const s of switched) s.link.send({ t: 'load', seq, config: prev.json, configFiles: prev.loadOpts.configFiles ?? [], commit: true });
    await Promise.all(switched.map((s) => this.reply(s, seq, ['loaded', 'failed'])));
  }

  private liveSlots(): Slot[] {
    return [...this.slots.values()].filter((s) => !s.exited && !s.leaving);
  }

  /** Brings the number of workers to `wanted`: new ones get the running config, extra ones stop gracefully. */
  private async resize(): Promise<void> {
    const live = this.liveSlots();
    if (live.length > this.wanted) {
      const extra = live.sort((a, b) => b.id - a.id).slice(0, live.length - this.wanted);
      await Promise.all(extra.map((s) => this.retireSlot(s)));
      return;
    }
    const fresh = await this.spawnUpTo(this.wanted);
    await Promise.all(fresh.map((s) => this.catchUp(s)));
  }

  /** A worker started after the switch (replacement or scale-up) loads the running config on its own. */
  private async catchUp(s: Slot): Promise<void> {
    const cur = this.serving;
    if (cur === null) return;
    const seq = ++this.seq;
    s.link.send({ t: 'load', seq, config: cur.json, configFiles: cur.loadOpts.configFiles ?? [], commit: true });
    const r = await this.reply(s, seq, ['loaded', 'failed']);
    if (r.t === 'failed') {
      this.slog('error', '', 'request worker could not load the running config; stopping it', { worker: s.id, error: r.error });
      await this.retireSlot(s);
    } else if (r.t === 'loaded') {
      this.slog('info', '', 'request worker serving', { worker: s.id });
    }
  }

  /** Starts workers until `n` are live, numbered 1..n (a replacement takes the number of the one it replaces). */
  private async spawnUpTo(n: number): Promise<Slot[]> {
    const fresh: Slot[] = [];
    for (let id = 1; this.liveSlots().length < n; id++) {
      const s = this.slots.get(id);
      if (s !== undefined && !s.exited) continue;
      fresh.push(this.spawn(id));
    }
    const ready = await Promise.all(fresh.map((s) => this.reply(s, 0, ['ready'])));
    return fresh.filter((_, i) => ready[i]!.t === 'ready');
  }

  private spawn(id: number): Slot {
    const slot: Slot = { id, link: null as unknown as Link, startedAt: Date.now(), leaving: false, exited: false, waiters: new Set() };
    const onMessage = (msg: FromWorker) => {
      for (const w of [...slot.waiters]) w(msg);
    };
    const onExit = (code: number | null, signal: string | null) => {
      if (slot.exited) return;
      slot.exited = true;
      for (const w of [...slot.waiters]) w(null);
      if (this.slots.get(id) === slot && (slot.leaving || this.stopping)) this.slots.delete(id);
      if (slot.leaving || this.stopping) return;
      this.replace(slot, code, signal);
    };
    const env = { ...(this.opts.env ?? process.env), [WORKER_ENV]: String(id) };
    slot.link = this.opts.design === 'thread' ? threadLink(this.opts.entry, id, env, onMessage, onExit) : processLink(this.opts.entry, env, onMessage, onExit);
    this.slots.set(id, slot);
    return slot;
  }

  /** A worker died on its own: say so, start another in its place with the running config. */
  private replace(dead: Slot, code: number | null, signal: string | null): void {
    const quick = Date.now() - dead.startedAt < 1000;
    this.slog('error', '', 'request worker exited unexpectedly; starting a replacement', { worker: dead.id, exit_code: code ?? undefined, signal: signal ?? undefined });
    // A worker that dies at once would otherwise be restarted in a tight loop.
    setTimeout(
      () => {
        void this.serial(async () => {
          if (this.stopping || this.slots.get(dead.id) !== dead) return;
          this.slots.delete(dead.id);
          await this.resize();
        });
      },
      quick ? 1000 : 0,
    );
  }

  /** Waits for the worker's answer to `seq` (one of `kinds`), or for its exit. */
  private reply(s: Slot, seq: number, kinds: ReadonlyArray<FromWorker['t']>): Promise<Reply> {
    if (s.exited) return Promise.resolve({ t: 'gone' });
    return new Promise((resolve) => {
      const w = (msg: FromWorker | null) => {
        if (msg === null) {
          s.waiters.delete(w);
          resolve({ t: 'gone' });
          return;
        }
        if (!kinds.includes(msg.t) || ('seq' in msg && msg.seq !== seq)) return;
        s.waiters.delete(w);
        resolve(msg);
      };
      s.waiters.add(w);
    });
  }

  /** Stops one worker gracefully (its config's grace period) and waits for its exit. */
  private async retireSlot(s: Slot): Promise<void> {
    if (s.exited) return;
    s.leaving = true;
    const gone = new Promise<void>((resolve) => s.waiters.add((m) => m === null && resolve()));
    s.link.send({ t: 'stop' });
    await gone;
    this.slots.delete(s.id);
  }

  private async stopAll(): Promise<void> {
    if (this.stopping) return;
    this.stopping = true;
    await Promise.all([...this.slots.values()].map((s) => this.retireSlot(s)));
    this.serving = null;
  }
}

function threadLink(entry: WorkerEntry, id: number, env: NodeJS.ProcessEnv, onMessage: (m: FromWorker) => void, onExit: (code: number | null, signal: string | null) => void): Link {
  const workerData: WorkerData = { tswebWorker: id };
  const w =
    entry.source !== undefined
      ? new ThreadWorker(entry.source, { eval: true, workerData, env })
      : new ThreadWorker(entry.file!, { workerData, env });
  w.on('message', onMessage);
  w.on('error', (err) => process.stderr.write(`request worker ${id}: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`));
  w.on('exit', (code) => onExit(code, null));
  return { send: (m) => w.postMessage(m), kill: () => void w.terminate() };
}

let clusterSetUp = false;

function processLink(entry: WorkerEntry, env: NodeJS.ProcessEnv, onMessage: (m: FromWorker) => void, onExit: (code: number | null, signal: string | null) => void): Link {
  if (!clusterSetUp) {
    // Inside a SEA the child is the binary again, with `exec` as one extra
    // argument; the marker makes that argument recognisable (the child reads no argv).
    cluster.setupPrimary({ exec: entry.file ?? WORKER_EXEC_MARKER, args: [], serialization: 'advanced' });
    clusterSetUp = true;
  }
  const w: ClusterWorker = cluster.fork(env);
  w.on('message', onMessage);
  w.on('exit', (code, signal) => onExit(code, signal));
  w.on('error', () => {}); // a send to a dying child; its exit follows
  return {
    send: (m) => {
      if (w.isConnected()) w.send(m);
    },
    kill: () => w.process.kill('SIGKILL'),
  };
}
