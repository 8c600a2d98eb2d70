/**
 * A fixed-size table of Int32 cells keyed by string, in one buffer: a
 * SharedArrayBuffer seen by every request worker thread (`workers N`), or a
 * plain ArrayBuffer in a process that serves alone. The same code reads and
 * writes both, with Atomics, so one server's state (upstream in-flight
 * counts, passive health failures, round_robin's position, active health)
 * is one value whichever worker touches it.
 *
 * Open addressing with linear probing; entries are claimed once and never
 * freed, so lookups (done at load, or once per new dynamic upstream) need
 * no lock: an entry's state goes empty → writing → ready with a CAS, and a
 * reader that meets one being written waits on it. A full table hands out
 * private cells (that value is then per worker) rather than failing a load.
 *
 * Each entry has PLAIN cells (one value for the server) and COUNTERS, each a
 * total plus one column per worker: a worker adds to the total and to its
 * own column, so when a worker dies the supervisor takes what it had added
 * (its in-flight requests, failures whose expiry timers died with it) back
 * out of the totals (clearColumn). Workers numbered above `columns` add to
 * the totals only.
 */
import { createHash } from 'node:crypto';

/** Plain cells of an entry. */
export const PLAIN_CELLS = 4;
/** Counters of an entry (total + per-worker columns each). */
export const COUNTERS = 2;
/** Longest key stored as is; longer ones are stored as their SHA-256. */
const KEY_BYTES = 128;
const HEADER_INTS = 2; // state, key length
const KEY_INTS = KEY_BYTES / 4;

const EMPTY = 0;
const WRITING = 1;
const READY = 2;

/** What a worker needs to see the supervisor's table: plain data that crosses a thread boundary. */
export interface SharedTableInit {
  buffer: SharedArrayBuffer | ArrayBuffer;
  entries: number;
  columns: number;
}

/** One entry's cells: `ints[base + …]`. Resolved once, then read and added to per request. */
export class SharedEntry {
  constructor(
    readonly ints: Int32Array,
    /** Index of the entry's first plain cell. */
    readonly base: number,
    /** Ints from one counter's total to the next counter's. */
    private readonly stride: number,
    /** This worker's column (1-based), 0 for none. */
    private readonly column: number,
  ) {}

  /** A counter's total over every worker (a plain read: an aligned Int32 never tears). */
  total(counter: number): number {
    return this.ints[this.base + PLAIN_CELLS + counter * this.stride]!;
  }

  /**
   * Adds to a counter's total and to this worker's column. The column has
   * one writer (this worker) and is read only once that worker is gone, so a
   * plain write does; the total is every worker's, hence the atomic add.
   */
  add(counter: number, delta: number): void {
    const at = this.base + PLAIN_CELLS + counter * this.stride;
    Atomics.add(this.ints, at, delta);
    if (this.column !== 0) this.ints[at + this.column]! += delta;
  }

  cell(i: number): number {
    return this.ints[this.base + i]!;
  }

  setCell(i: number, v: number): void {
    Atomics.store(this.ints, this.base + i, v);
  }

  /** Adds to a plain cell; returns the new value (wrapping as Int32). */
  addCell(i: number, delta: number): number {
    return (Atomics.add(this.ints, this.base + i, delta) + delta) | 0;
  }
}

export class SharedTable {
  readonly init: SharedTableInit;
  private readonly ints: Int32Array;
  private readonly bytes: Uint8Array;
  /** Ints per entry: header, key, plain cells, counters. */
  private readonly entryInts: number;
  private readonly counterStride: number;
  private readonly valuesAt: number;
  private full = false;

  /** `column`: this thread's worker number (1..columns), 0 for the supervisor or a lone process. */
  constructor(
    init: SharedTableInit,
    private readonly column = 0,
  ) {
    this.init = init;
    this.counterStride = 1 + init.columns;
    this.entryInts = SharedTable.entryInts(init.columns);
    this.ints = new Int32Array(init.buffer);
    this.bytes = new Uint8Array(init.buffer);
    this.valuesAt = HEADER_INTS + KEY_INTS;
    if (column > init.columns) this.column = 0;
  }

  private static entryInts(columns: number): number {
    return HEADER_INTS + KEY_INTS + PLAIN_CELLS + COUNTERS * (1 + columns);
  }

  /** A new table; shared when workers will see it. */
  static create(entries: number, columns: number, shared: boolean): SharedTableInit {
    const size = entries * SharedTable.entryInts(columns) * 4;
    return { buffer: shared ? new SharedArrayBuffer(size) : new ArrayBuffer(size), entries, columns };
  }

  /** Whether a lookup has found no room (its values are then per worker). */
  get isFull(): boolean {
    return this.full;
  }

  /** The entry for `key`, claimed on first use by any worker. */
  entry(key: string): SharedEntry {
    let k = Buffer.from(key, 'utf8');
    if (k.length > KEY_BYTES) k = Buffer.from(`sha256:${createHash('sha256').update(k).digest('hex')}`, 'latin1');
    const n = this.init.entries;
    let h = 0x811c9dc5;
    for (const b of k) h = Math.imul(h ^ b, 0x01000193) >>> 0;
    for (let probe = 0; probe < n; probe++) {
      const e = ((h + probe) % n) * this.entryInts;
      for (;;) {
        const state = Atomics.load(this.ints, e);
        if (state === EMPTY) {
          if (Atomics.compareExchange(this.ints, e, EMPTY, WRITING) !== EMPTY) continue;
          this.bytes.set(k, (e + HEADER_INTS) * 4);
          Atomics.store(this.ints, e + 1, k.length);
          Atomics.store(this.ints, e, READY);
          Atomics.notify(this.ints, e);
          return this.at(e);
        }
        if (state === WRITING) {
          // Another worker is writing this entry's key (microseconds): wait for it.
          Atomics.wait(this.ints, e, WRITING, 50);
          continue;
        }
        if (this.ints[e + 1] === k.length && this.keyEquals(e, k)) return this.at(e);
        break;
      }
    }
    this.full = true;
    const own = SharedTable.create(1, 0, false);
    return new SharedEntry(new Int32Array(own.buffer), this.valuesAt, 1, 0);
  }

  private keyEquals(e: number, k: Buffer): boolean {
    const from = (e + HEADER_INTS) * 4;
    for (let i = 0; i < k.length; i++) if (this.bytes[from + i] !== k[i]) return false;
    return true;
  }

  private at(e: number): SharedEntry {
    return new SharedEntry(this.ints, e + this.valuesAt, this.counterStride, this.column);
  }

  /**
   * Takes what worker `column` added back out of every counter's total and
   * zeroes its column: called by the supervisor once that worker has exited
   * (crashed or retired), so its in-flight requests and unexpired failures
   * do not stay counted. The worker must be gone: it would race otherwise.
   */
  clearColumn(column: number): void {
    if (column < 1 || column > this.init.columns) return;
    for (let e = 0; e < this.init.entries; e++) {
      const base = e * this.entryInts;
      if (Atomics.load(this.ints, base) !== READY) continue;
      for (let c = 0; c < COUNTERS; c++) {
        const at = base + this.valuesAt + PLAIN_CELLS + c * this.counterStride;
        const mine = Atomics.exchange(this.ints, at + column, 0);
        if (mine !== 0) Atomics.sub(this.ints, at, mine);
      }
    }
  }
}
