/**
 * Log writers (Caddy's caddy.logging.writers.*): stdout, stderr, discard,
 * file (with lumberjack's size-based rolling, see rolling.ts), net (a
 * socket, see net_writer.ts). Output goes through pino's destinations (SonicBoom), never
 * through pino transports: their worker threads break once bundled.
 *
 * Writers are shared by key within one logging config, as Caddy's writer
 * pool does, so two logs naming one file append through one handle.
 */
import pino from 'pino';
import type { JSONObject } from '../go/json.js';
import { decodeNetWriter, NetWriter, netWriterKey } from './net_writer.js';
import { RollingFile, type RollOptions } from './rolling.js';

export interface Writer {
  readonly key: string;
  /** Whether this writes to a terminal (the default encoder depends on it). */
  readonly tty: boolean;
  write(line: string): void;
  /** Flushes and releases the writer (std streams are flushed, never closed). */
  close(): Promise<void>;
  /** Settles once the writer can write; rejects when it never will (a net writer without soft_start). */
  readonly ready?: Promise<void>;
}

/** Where stdout/stderr lines go; tests capture them here. */
export interface StdStreams {
  stdout?: (line: string) => void;
  stderr?: (line: string) => void;
}

type Boom = ReturnType<typeof pino.destination>;

const stdBooms = new Map<number, Boom>();

/** One non-blocking destination per std fd for the whole process, flushed on exit. */
function stdBoom(fd: 1 | 2): Boom {
  let b = stdBooms.get(fd);
  if (b === undefined) {
    b = pino.destination({ dest: fd, sync: false });
    stdBooms.set(fd, b);
    if (stdBooms.size === 1) {
      process.once('exit', () => {
        for (const x of stdBooms.values()) {
          try {
            x.flushSync();
          } catch {
            // nothing left to do at exit
          }
        }
      });
    }
  }
  return b;
}

function stdWriter(name: 'stdout' | 'stderr', streams: StdStreams): Writer {
  const custom = streams[name];
  if (custom) return { key: `std:${name}`, tty: false, write: custom, close: () => Promise.resolve() };
  const fd = name === 'stdout' ? 1 : 2;
  const boom = stdBoom(fd);
  const stream = name === 'stdout' ? process.stdout : process.stderr;
  return {
    key: `std:${name}`,
    tty: stream.isTTY === true,
    write: (line) => void boom.write(line),
    close: () =>
      new Promise((resolve) => {
        // Pending lines out before the config that wrote them is gone; the fd stays open.
        if (!boom.write('')) boom.once('drain', () => resolve());
        else resolve();
      }),
  };
}

const discard: Writer = { key: 'discard', tty: false, write: () => {}, close: () => Promise.resolve() };

function num(v: unknown, def: number, field: string, integer: boolean): number {
  if (v === undefined || v === null) return def;
  if (typeof v !== 'number' || v < 0 || (integer && !Number.isInteger(v))) throw new Error(`${field}: must be a non-negative ${integer ? 'integer' : 'number'}`);
  return v;
}

/** Lumberjack's settings with Caddy's defaults: roll at 100 MB, keep 10 for 90 days, gzip them. */
export function rollOptions(cfg: JSONObject): RollOptions {
  // roll_size_mb may be fractional in tsweb (Caddy takes whole megabytes): tests roll at a few hundred bytes.
  const sizeMB = num(cfg.roll_size_mb, 100, 'roll_size_mb', false);
  return {
    roll: cfg.roll_disabled !== true && cfg.roll !== false,
    maxBytes: Math.max(1, Math.round((sizeMB || 100) * 1024 * 1024)),
    keep: num(cfg.roll_keep, 10, 'roll_keep', true),
    keepDays: num(cfg.roll_keep_days, 90, 'roll_keep_days', true),
    gzip: cfg.roll_gzip !== false && cfg.roll_uncompressed !== true,
    localTime: cfg.roll_local_time === true,
    mode: fileMode(cfg.mode),
  };
}

function fileMode(v: unknown): number {
  if (v === undefined || v === null || v === '') return 0o600;
  if (typeof v === 'number' && Number.isInteger(v)) return v;
  if (typeof v === 'string' && /^0?[0-7]{3,4}$/.test(v)) return parseInt(v, 8);
  throw new Error(`mode: invalid file mode ${JSON.stringify(v)}`);
}

export class WriterPool {
  private readonly writers = new Map<string, Writer>();
  constructor(private readonly streams: StdStreams) {}

  open(cfg: unknown): Writer {
    if (cfg === undefined || cfg === null) return this.get('std:stderr', () => stdWriter('stderr', this.streams));
    if (typeof cfg !== 'object' || Array.isArray(cfg)) throw new Error('writer: must be an object');
    const c = cfg as JSONObject;
    switch (c.output) {
      case 'stdout':
      case 'stderr':
        return this.get(`std:${c.output}`, () => stdWriter(c.output, this.streams));
      case 'discard':
        return discard;
      case 'file': {
        if (typeof c.filename !== 'string' || c.filename === '') throw new Error('writer: file: "filename" is required');
        const file: string = c.filename;
        const opts = rollOptions(c);
        return this.get(`file:${file}`, () => new RollingFile(file, opts));
      }
      case 'net': {
        const nc = decodeNetWriter(c);
        const stderr = this.get('std:stderr', () => stdWriter('stderr', this.streams));
        return this.get(netWriterKey(nc.address), () => new NetWriter(nc, (line) => stderr.write(line)));
      }
      case undefined:
      case '':
        throw new Error("writer: module name not specified with key 'output'");
      default:
        throw new Error(`writer: unknown module: caddy.logging.writers.${String(c.output)}`);
    }
  }

  private get(key: string, make: () => Writer): Writer {
    let w = this.writers.get(key);
    if (w === undefined) {
      w = make();
      this.writers.set(key, w);
    }
    return w;
  }

  /** Waits for every writer's first connection; the first failure, as Caddy's OpenWriter error. */
  async ready(): Promise<void> {
    await Promise.all([...this.writers.values()].map((w) => w.ready));
  }

  async closeAll(): Promise<void> {
    const all = [...this.writers.values()];
    this.writers.clear();
    await Promise.allSettled(all.map((w) => w.close()));
  }
}
