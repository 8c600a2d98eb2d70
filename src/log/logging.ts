/**
 * The top-level `logging` config (Caddy's logging.go), provisioned once per
 * config: each entry of `logging.logs` becomes a sink (writer + encoder +
 * level + include/exclude + sampling). The engine logs through `log`, which
 * sends each entry to every sink that accepts its logger name and level.
 *
 * The `default` log always exists. Unless the config gives it a writer or
 * an encoder, it writes through the `fallback` (the process's own stderr
 * logger), so lines keep one format and one order with the CLI's own.
 * Which sinks take a logger name is worked out once per name and cached:
 * the names are the few the engine and the config use.
 */
import { durationMs } from '../go/duration.js';
import type { EngineLog } from '../core/log.js';
import { compileEncoder, type Encoder, type Entry } from './encoders.js';
import { type Level, levelRank, parseLevel } from './levels.js';
import { Duration } from './value.js';
import { type StdStreams, WriterPool, type Writer } from './writers.js';
import { isObject, type JSONObject } from '../go/json.js';

export interface LoggingOptions {
  /** Where the default log writes when the config does not say (the CLI's stderr logger). */
  fallback?: EngineLog;
  /** stdout/stderr replacements (tests). */
  streams?: StdStreams;
}

type Sampler = (e: Entry) => boolean;

interface Sink {
  name: string;
  minRank: number;
  include: string[];
  exclude: string[];
  sample: Sampler | null;
  out: ((e: Entry) => void);
}

function names(v: unknown, field: string): string[] {
  if (v === undefined || v === null) return [];
  if (!Array.isArray(v) || v.some((x) => typeof x !== 'string')) throw new Error(`${field}: must be an array of logger names`);
  return v as string[];
}

/** Caddy's CustomLog.loggerAllowed: the longest matching include/exclude namespace wins. */
export function loggerAllowed(include: readonly string[], exclude: readonly string[], name: string): boolean {
  if (include.length === 0 && exclude.length === 0) return true;
  // A trailing dot keeps "foo.b" from matching "foo.bar".
  if (name !== '' && name !== '*' && name !== '.') name += '.';
  let accept = 0;
  let reject = 0;
  if (include.length > 0) {
    for (const ns of include) {
      const hit = ns === '' || ns === '*' || ns === '.' ? true : name.startsWith(`${ns}.`);
      if (hit && Math.max(ns.length, 1) > accept) accept = Math.max(ns.length, 1);
    }
    if (accept === 0) return false;
  }
  for (const ns of exclude) {
    // "*": everything from modules; ".": the core's own (unnamed) logger.
    if ((ns === '*' && name !== '.' && name !== '') || (ns === '.' && (name === '.' || name === ''))) return false;
    if (name.startsWith(`${ns}.`) && ns.length > reject) reject = ns.length;
  }
  if (reject > accept) return false;
  return accept > reject || (include.length === 0 && reject === 0);
}

/** zap's sampler: per level+message and interval, the first N entries, then every Mth. */
function compileSampling(cfg: unknown): Sampler | null {
  if (cfg === undefined || cfg === null) return null;
  if (!isObject(cfg)) throw new Error('sampling: must be an object');
  const interval = durationMs(cfg.interval, 'sampling.interval') || 1000;
  const int = (v: unknown, def: number, f: string) => {
    if (v === undefined || v === null || v === 0) return def;
    if (typeof v !== 'number' || !Number.isInteger(v) || v < 0) throw new Error(`sampling.${f}: must be a non-negative integer`);
    return v;
  };
  const first = int(cfg.first, 100, 'first');
  const thereafter = int(cfg.thereafter, 100, 'thereafter');
  const counts = new Map<string, { tick: number; n: number }>();
  return (e) => {
    const tick = Math.floor(e.time / interval);
    const key = `${e.level}\0${e.msg}`;
    let c = counts.get(key);
    if (c === undefined || c.tick !== tick) {
      if (counts.size > 4096) counts.clear();
      c = { tick, n: 0 };
      counts.set(key, c);
    }
    c.n++;
    return c.n <= first || (c.n - first) % thereafter === 0;
  };
}

/** Durations as seconds for loggers that take plain values. */
function plainFields(fields: Record<string, unknown>): Record<string, unknown> {
  let out: Record<string, unknown> | null = null;
  for (const k in fields) {
    const v = fields[k];
    if (v instanceof Duration) {
      out ??= { ...fields };
      out[k] = v.ns / 1e9;
    }
  }
  return out ?? fields;
}

export class Logging {
  private readonly byName = new Map<string, Sink[]>();

  constructor(
    private readonly sinks: readonly Sink[],
    private readonly pool: WriterPool,
  ) {}

  /** The engine's log function for this config. */
  readonly log: EngineLog = (level, logger, msg, fields) => this.emit(level, logger, msg, fields ?? {});

  emit(level: Level, logger: string, msg: string, fields: Record<string, unknown>): void {
    const sinks = this.sinksFor(logger);
    if (sinks.length === 0) return;
    const rank = levelRank[level];
    let entry: Entry | undefined;
    for (const s of sinks) {
      if (rank < s.minRank) continue;
      entry ??= { level, time: performance.timeOrigin + performance.now(), logger, msg, fields };
      if (s.sample !== null && !s.sample(entry)) continue;
      s.out(entry);
    }
  }

  private sinksFor(logger: string): Sink[] {
    let s = this.byName.get(logger);
    if (s === undefined) {
      s = this.sinks.filter((k) => loggerAllowed(k.include, k.exclude, logger));
      this.byName.set(logger, s);
    }
    return s;
  }

  /**
   * Settles once every writer is open: rejects when a net writer without
   * soft_start could not connect, as Caddy refuses such a config.
   */
  ready(): Promise<void> {
    return this.pool.ready();
  }

  /** Flushes and closes every writer this config opened. */
  close(): Promise<void> {
    return this.pool.closeAll();
  }
}

function writeThrough(w: Writer, enc: Encoder): (e: Entry) => void {
  return (e) => {
    let line: string;
    try {
      line = enc(e);
    } catch (err) {
      line = `{"level":"error","msg":"encoding log entry","error":${JSON.stringify(String(err))}}\n`;
    }
    w.write(line);
  };
}

/** Provisions `logging`; throws an Error naming the log at fault. */
export function provisionLogging(json: unknown, opts: LoggingOptions = {}): Logging {
  if (json !== undefined && json !== null && !isObject(json)) throw new Error('logging: must be an object');
  const cfg = (json ?? {}) as JSONObject;
  if (cfg.sink !== undefined && cfg.sink !== null) {
    // Go's standard-library log output; nothing in tsweb writes there.
    if (!isObject(cfg.sink)) throw new Error('logging: "sink" must be an object');
  }
  const logs = cfg.logs ?? {};
  if (!isObject(logs)) throw new Error('logging: "logs" must be an object');
  const pool = new WriterPool(opts.streams ?? {});
  const sinks: Sink[] = [];
  const entries = Object.entries(logs as JSONObject);
  if (!('default' in (logs as JSONObject))) entries.unshift(['default', {}]);
  try {
    for (const [name, log] of entries) {
      try {
        if (log !== null && !isObject(log)) throw new Error('must be an object');
        const l = (log ?? {}) as JSONObject;
        const include = names(l.include, 'include');
        const exclude = names(l.exclude, 'exclude');
        let out: (e: Entry) => void;
        if (name === 'default' && l.writer === undefined && l.encoder === undefined && opts.fallback) {
          const fb = opts.fallback;
          out = (e) => fb(e.level === 'dpanic' || e.level === 'panic' || e.level === 'fatal' ? 'error' : e.level, e.logger, e.msg, plainFields(e.fields));
        } else {
          const w = pool.open(l.writer);
          out = writeThrough(w, compileEncoder(l.encoder, { tty: w.tty }));
        }
        sinks.push({ name, minRank: levelRank[parseLevel(l.level)], include, exclude, sample: compileSampling(l.sampling), out });
      } catch (err) {
        throw new Error(`setting up custom log '${name}': ${(err as Error).message}`);
      }
    }
  } catch (err) {
    void pool.closeAll();
    throw err;
  }
  return new Logging(sinks, pool);
}
