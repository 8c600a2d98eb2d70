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
import { registry, setMetricsGatherer } from '../core/metrics/index.js';
import { type MetricsSnapshot, mergeSnapshots } from '../core/metrics/registry.js';
import type { JSONObject } from '../core/registry.js';
import { createArena } from '../core/shared/arena.js';
import { SharedTable, TABLE_ENTRIES } from '../core/shared/index.js';
import { setUpstreamStatusSource, type UpstreamStatus } from '../core/upstream_status.js';
import { type CacheKeysQuery, setCacheKeysSource } from '../modules/cache/stores.js';
import { isObject } from '../go/json.js';
import { checkLoadable, type ConfigPath, LoadError, loadFailure, type LoadOptions, Runtime, type RuntimeOptions } from './runtime.js';
import { type FromWorker, type ToWorker, WORKER_ENV, WORKER_EXEC_MARKER, type WorkerData } from './supervisor_messages.js';
import { serveAsWorker } from './supervisor_worker.js';
import { ConfigValidationError } from './validate.js';
import { availableParallelism } from 'node:os';

export type WorkerDesign = 'thread' | 'process';

/** How a worker's code is found: the bundle's path, or its text when there is no file (a SEA). */
export interface WorkerEntry {
  file?: string;
  source?: string;
}

export interface SupervisorOptions extends RuntimeOptions {
  design: WorkerDesign;
  /** A function: found when the first thread or process starts (`workers 1` in-process never needs it). */
  entry: WorkerEntry | (() => WorkerEntry);
  /**
   * With `workers 1`, serve from this thread (a Runtime in the process, as
   * tsweb without workers does, with `env`) instead of one worker thread; a
   * reload to N > 1 starts worker threads beside it and retires it, and back
   * (thread design only). Absent: every worker is a thread or process.
   */
  inProcess?: { env: NodeJS.ProcessEnv };
}

/**
 * `apps.http.workers`: a positive integer or "auto" (the machine's cores).
 * "auto" when absent: every core serves, and the values users see as one
 * server are shared (src/core/shared); 1 for a config without the http app.
 * Throws a ConfigValidationError for anything else.
 */
export function workersOf(config: unknown): number {
  const http = isObject(config) && isObject(config.apps) ? config.apps.http : undefined;
  // Without an http app there is nothing to serve on several cores.
  if (!isObject(http)) return 1;
  const v = http.workers;
  if (v === undefined || v === null || v === 'auto') return availableParallelism();
  if (typeof v === 'number' && Number.isInteger(v) && v >= 1 && v <= 1024) return v;
  throw new ConfigValidationError(`loading http app module: provision http: workers: must be a positive integer or "auto", got ${JSON.stringify(v)}`);
}

/** One live worker, thread or process, behind the same few calls. */
interface Link {
  send(msg: ToWorker): void;
  kill(): void;
}

interface Slot {
  /** 1..N; 0 for the in-process worker. */
  readonly id: number;
  /** Runs in this thread (SupervisorOptions.inProcess): it shares the supervisor's registry. */
  readonly local: boolean;
  link: Link;
  startedAt: number;
  /** Told to stop (scale-down or exit): its exit is expected. */
  leaving: boolean;
  exited: boolean;
  /** Called with every message and with null when the worker exits. */
  readonly waiters: Set<(msg: FromWorker | null) => void>;
}

type Reply = FromWorker | { t: 'gone' };

/** How long a scrape or the upstream view waits for a worker's answer before going without it. */
const COLLECT_TIMEOUT_MS = 2000;

/** Families that describe the process: with worker threads the supervisor's own say it once. */
const isProcessFamily = (name: string) => name.startsWith('process_');

export class Supervisor extends Runtime {
  private readonly opts: SupervisorOptions;
  private readonly slog: EngineLog;
  private readonly slots = new Map<number, Slot>();
  private serving: { json: JSONObject; ids: Map<string, ConfigPath>; loadOpts: LoadOptions; addresses: Map<string, string[]> } | null = null;
  private seq = 0;
  private serialQueue: Promise<unknown> = Promise.resolve();
  private stopping = false;
  private wanted = 0;
  /**
   * The upstream state and policy counters every worker thread sees
   * (src/core/shared); a column per worker number up to the machine's cores
   * (at least 64), so a dead worker's share can be taken back out. Worker
   * processes (the cluster design, kept for measuring) cannot share memory:
   * theirs stays per worker.
   */
  private readonly table: SharedTable | null;
  /** Named shared blocks (src/core/shared/arena.ts), handed over like the table; null for processes. */
  private readonly arena: SharedArrayBuffer | null;
  /** Counters and histograms of workers that stopped gracefully: a scale-down does not make them go backwards. */
  private retired: MetricsSnapshot = { families: [] };
  private readonly gather = () => this.gatherMetrics();
  private readonly upstreamView = () => this.askUpstreams();
  private readonly cacheKeysView = (q: CacheKeysQuery) => this.askCacheKeys(q);

  constructor(opts: SupervisorOptions) {
    super({ log: opts.log, env: opts.env });
    this.opts = opts;
    this.slog = opts.log ?? silentLog;
    this.table = opts.design === 'thread' ? new SharedTable(SharedTable.create(TABLE_ENTRIES, Math.max(64, availableParallelism()), true)) : null;
    this.arena = opts.design === 'thread' ? createArena() : null;
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
    const { ids } = checkLoadable(config);
    let workers: number;
    try {
      workers = workersOf(config);
    } catch (err) {
      if (err instanceof ConfigValidationError) throw loadFailure(err.message);
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
      if (this.alone()) await this.spawnLocal();
      else await this.spawnUpTo(workers);
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
      await this.stopIfNothingServes();
      settle(false);
      throw new LoadError((refused as { error: string }).error);
    }

    const committed = live.filter((_, i) => prepared[i]!.t === 'prepared');
    for (const s of committed) s.link.send({ t: 'commit', seq });
    const done = await Promise.all(committed.map((s) => this.reply(s, seq, ['loaded', 'failed'])));
    const failed = done.find((m) => m.t === 'failed');
    if (failed !== undefined) {
      await this.rollBack(committed.filter((_, i) => done[i]!.t === 'loaded'));
      await this.stopIfNothingServes();
      settle(false);
      throw new LoadError((failed as { error: string }).error);
    }
    const first = done.find((m) => m.t === 'loaded') as { addresses: Array<[string, string[]]> } | undefined;
    this.serving = { json, ids, loadOpts, addresses: new Map(first?.addresses ?? []) };
    // The admin API's /metrics and /reverse_proxy/upstreams run here, the handlers in the workers.
    setMetricsGatherer(this.gather);
    setUpstreamStatusSource(this.upstreamView);
    setCacheKeysSource(this.cacheKeysView);
    settle(true);
    this.wanted = workers;
    await this.resize();
  }

  /** After a refused initial config the workers have nothing to serve: they stop, so the process can exit. */
  private async stopIfNothingServes(): Promise<void> {
    if (this.serving !== null) return;
    await Promise.all(this.liveSlots().map((s) => this.retireSlot(s)));
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

  /** Whether the wanted workers are the one in-process worker. */
  private alone(): boolean {
    return this.opts.inProcess !== undefined && this.opts.design === 'thread' && this.wanted === 1;
  }

  /**
   * Brings the workers to `wanted`: new ones get the running config, extra
   * ones stop gracefully (draining like an old config). Between the
   * in-process worker and worker threads (1 ↔ N) the new ones start and
   * load first, beside the old (they all listen with SO_REUSEPORT), then the
   * old ones retire: no request is refused in between.
   */
  private async resize(): Promise<void> {
    const live = this.liveSlots();
    if (this.alone()) {
      let local = live.find((s) => s.local);
      if (local === undefined) {
        local = await this.spawnLocal();
        if (local === undefined || !(await this.catchUp(local))) return;
      }
      await Promise.all(live.filter((s) => !s.local).map((s) => this.retireSlot(s)));
      return;
    }
    const threads = live.filter((s) => !s.local);
    if (threads.length > this.wanted) {
      const extra = threads.sort((a, b) => b.id - a.id).slice(0, threads.length - this.wanted);
      await Promise.all(extra.map((s) => this.retireSlot(s)));
    }
    const fresh = await this.spawnUpTo(this.wanted);
    const caughtUp = await Promise.all(fresh.map((s) => this.catchUp(s)));
    const locals = live.filter((s) => s.local);
    if (locals.length > 0 && caughtUp.some((ok) => ok)) await Promise.all(locals.map((s) => this.retireSlot(s)));
  }

  /** A worker started after the switch (replacement or scale-up) loads the running config on its own. */
  private async catchUp(s: Slot): Promise<boolean> {
    const cur = this.serving;
    if (cur === null) return false;
    const seq = ++this.seq;
    s.link.send({ t: 'load', seq, config: cur.json, configFiles: cur.loadOpts.configFiles ?? [], commit: true });
    const r = await this.reply(s, seq, ['loaded', 'failed']);
    if (r.t === 'failed') {
      this.slog('error', '', 'request worker could not load the running config; stopping it', { worker: s.id, error: r.error });
      await this.retireSlot(s);
      return false;
    }
    if (r.t !== 'loaded') return false;
    if (!s.local) this.slog('info', '', 'request worker serving', { worker: s.id });
    return true;
  }

  /** Starts workers until `n` are live, numbered 1..n (a replacement takes the number of the one it replaces). */
  private async spawnUpTo(n: number): Promise<Slot[]> {
    const fresh: Slot[] = [];
    for (let id = 1; this.liveSlots().filter((x) => !x.local).length < n; id++) {
      const s = this.slots.get(id);
      if (s !== undefined && !s.exited) continue;
      fresh.push(this.spawn(id));
    }
    const ready = await Promise.all(fresh.map((s) => this.reply(s, 0, ['ready'])));
    return fresh.filter((_, i) => ready[i]!.t === 'ready');
  }

  private spawn(id: number): Slot {
    const slot: Slot = { id, local: false, link: null as unknown as Link, startedAt: Date.now(), leaving: false, exited: false, waiters: new Set() };
    const { onMessage, onExit } = this.handlers(slot);
    const env = { ...(this.opts.env ?? process.env), [WORKER_ENV]: String(id) };
    const entry = this.entry();
    slot.link = this.opts.design === 'thread' ? threadLink(entry, { tswebWorker: id, shared: this.table!.init, arena: this.arena! }, env, onMessage, onExit) : processLink(entry, env, onMessage, onExit);
    this.slots.set(id, slot);
    return slot;
  }

  private resolvedEntry: WorkerEntry | null = null;

  private entry(): WorkerEntry {
    const e = this.opts.entry;
    return (this.resolvedEntry ??= typeof e === 'function' ? e() : e);
  }

  /**
   * The in-process worker (`workers 1` with SupervisorOptions.inProcess): the
   * same worker code over a port that stays in this thread, so a reload is
   * the same two-phase exchange and 1 ↔ N is an ordinary resize.
   */
  private async spawnLocal(): Promise<Slot | undefined> {
    const slot: Slot = { id: 0, local: true, link: null as unknown as Link, startedAt: Date.now(), leaving: false, exited: false, waiters: new Set() };
    const { onMessage, onExit } = this.handlers(slot);
    let deliver: (m: ToWorker) => void = () => {};
    // Delivered on a later turn, as a thread's messages are; configs copied, as they would be.
    slot.link = {
      send: (m) => setImmediate(() => deliver(m.t === 'load' ? { ...m, config: structuredClone(m.config) } : m)),
      kill: () => {},
    };
    this.slots.set(0, slot);
    const ready = this.reply(slot, 0, ['ready']);
    serveAsWorker(
      { send: (m) => setImmediate(() => onMessage(m)), onMessage: (fn) => (deliver = fn) },
      { id: 0, design: 'thread', local: true, shared: this.table?.init, arena: this.arena ?? undefined, log: this.slog, env: this.opts.inProcess!.env, exit: () => onExit(0, null) },
    );
    return (await ready).t === 'ready' ? slot : undefined;
  }

  private handlers(slot: Slot): { onMessage: (msg: FromWorker) => void; onExit: (code: number | null, signal: string | null) => void } {
    const id = slot.id;
    const onMessage = (msg: FromWorker) => {
      if (msg.t === 'gather') {
        void this.gatherMetrics().then(
          (snapshot) => slot.link.send({ t: 'gathered', seq: msg.seq, snapshot }),
          () => slot.link.send({ t: 'gathered', seq: msg.seq, snapshot: null }),
        );
        return;
      }
      // The in-process worker's figures are in this thread's registry already.
      if (msg.t === 'stopped' && msg.metrics !== undefined && !slot.local) this.keepRetired(msg.metrics);
      for (const w of [...slot.waiters]) w(msg);
    };
    const onExit = (code: number | null, signal: string | null) => {
      if (slot.exited) return;
      slot.exited = true;
      // Its in-flight requests and unexpired failures went with it.
      this.table?.clearColumn(id);
      for (const w of [...slot.waiters]) w(null);
      if (this.slots.get(id) === slot && (slot.leaving || this.stopping)) this.slots.delete(id);
      if (slot.leaving || this.stopping) return;
      this.replace(slot, code, signal);
    };
    return { onMessage, onExit };
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

  /** Waits for the worker's answer to `seq` (one of `kinds`), or for its exit; after `timeoutMs`, as if it had exited. */
  private reply(s: Slot, seq: number, kinds: ReadonlyArray<FromWorker['t']>, timeoutMs = 0): Promise<Reply> {
    if (s.exited) return Promise.resolve({ t: 'gone' });
    return new Promise((resolve) => {
      let timer: NodeJS.Timeout | undefined;
      const w = (msg: FromWorker | null) => {
        if (msg === null) {
          s.waiters.delete(w);
          clearTimeout(timer);
          resolve({ t: 'gone' });
          return;
        }
        if (!kinds.includes(msg.t) || ('seq' in msg && msg.seq !== seq)) return;
        s.waiters.delete(w);
        clearTimeout(timer);
        resolve(msg);
      };
      s.waiters.add(w);
      if (timeoutMs > 0) {
        timer = setTimeout(() => {
          s.waiters.delete(w);
          resolve({ t: 'gone' });
        }, timeoutMs);
      }
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
    setMetricsGatherer(null);
    setUpstreamStatusSource(null);
    setCacheKeysSource(null);
  }

  /**
   * The server's metrics: every worker's snapshot merged (counters and
   * histograms added up, in-flight gauges summed, upstream health by its
   * family's rule), plus what retired workers had counted. The process_*
   * figures are the supervisor's own when workers are threads of this
   * process (each thread would report the same process), summed over
   * processes otherwise. A worker that does not answer in time is left out.
   */
  private async gatherMetrics(): Promise<MetricsSnapshot> {
    // The in-process worker's figures are this thread's registry's.
    const live = this.liveSlots().filter((s) => !s.local);
    const replies = await Promise.all(
      live.map((s) => {
        const seq = ++this.seq;
        s.link.send({ t: 'collect', seq, what: 'metrics' });
        return this.reply(s, seq, ['collected'], COLLECT_TIMEOUT_MS);
      }),
    );
    const snaps: MetricsSnapshot[] = [registry.snapshot(), this.retired];
    for (const r of replies) {
      if (r.t !== 'collected' || r.metrics === undefined) continue;
      snaps.push(this.table === null ? r.metrics : { families: r.metrics.families.filter((f) => !isProcessFamily(f.name)) });
    }
    return mergeSnapshots(snaps);
  }

  /** A worker's upstream view: the counts are shared, so the first live worker's is the server's. */
  private async askUpstreams(): Promise<UpstreamStatus[]> {
    for (const s of this.liveSlots().sort((a, b) => a.id - b.id)) {
      const seq = ++this.seq;
      s.link.send({ t: 'collect', seq, what: 'upstreams' });
      const r = await this.reply(s, seq, ['collected'], COLLECT_TIMEOUT_MS);
      if (r.t === 'collected' && r.upstreams !== undefined) return r.upstreams;
    }
    return [];
  }

  /**
   * The admin API's cache listing or purge, sent to every worker (each has
   * its own stores): the keys any of them matched, each once. A worker that
   * does not answer in time is left out.
   */
  private async askCacheKeys(query: CacheKeysQuery): Promise<string[]> {
    const replies = await Promise.all(
      this.liveSlots().map((s) => {
        const seq = ++this.seq;
        s.link.send({ t: 'cacheKeys', seq, query });
        return this.reply(s, seq, ['cacheKeys'], COLLECT_TIMEOUT_MS);
      }),
    );
    const keys = new Set<string>();
    for (const r of replies) {
      if (r.t !== 'cacheKeys') continue;
      if (r.error !== undefined) throw new Error(r.error);
      for (const k of r.keys) keys.add(k);
    }
    return [...keys].sort();
  }

  /** Keeps a stopping worker's counters and histograms in the server's totals. */
  private keepRetired(snap: MetricsSnapshot): void {
    const kept = snap.families.filter((f) => (f.type === 'counter' || f.type === 'histogram') && !(this.table !== null && isProcessFamily(f.name)));
    this.retired = mergeSnapshots([this.retired, { families: kept }]);
  }
}

function threadLink(entry: WorkerEntry, workerData: WorkerData, env: NodeJS.ProcessEnv, onMessage: (m: FromWorker) => void, onExit: (code: number | null, signal: string | null) => void): Link {
  const id = workerData.tswebWorker;
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
