/**
 * The cache lock across workers (nginx's proxy_cache_lock): a miss marks
 * its key "being fetched" in shared memory; a miss on a marked key in
 * another worker waits — Atomics.waitAsync, so the event loop goes on —
 * until the mark is released, then answers from the store. Within a
 * worker the handler's own map of promises does the same without touching
 * shared memory (handler.ts).
 *
 * A wait lasts lock_timeout at most, after which the request fetches for
 * itself; a mark older than lock_timeout counts as released, so one left by
 * a worker that died (or by a fetch slower than that) holds nobody up
 * longer, and the next miss takes it over.
 *
 * The marks are a small set-associative table (SETS × WAYS slots) in their
 * own arena block per cache_name: a slot holds the key's two hashes, the
 * holding thread, a token that tells its holder from a later one, the time
 * it was taken and a sequence cell that waiters sleep on. With every way of
 * a set held by live fetches, a miss goes ahead without a mark.
 */
import { threadId } from 'node:worker_threads';
import { hash32a, hash32b } from '../../core/shared/hash.js';
import { lockCell, unlockCell } from '../../core/shared/lock.js';

const SETS = 256;
const WAYS = 4;
const SLOT_INTS = 8;
const HEADER_INTS = 4;
const M_LOCK = 0;
const M_TOKEN = 1;
/** Slot fields. */
const S_HASH_A = 0;
const S_HASH_B = 1;
const S_HOLDER = 2;
const S_TOKEN = 3;
const S_SEQ = 4;
/** Float64 over fields 6-7: Date.now() when the mark was taken. */
const S_SINCE = 6;

export const MARKS_BYTES = (HEADER_INTS + SETS * WAYS * SLOT_INTS) * 4;

export type Mark = { kind: 'mine'; slot: number; token: number } | { kind: 'held'; slot: number } | { kind: 'none' };

const NONE: Mark = { kind: 'none' };

/** ES2024's Atomics.waitAsync (Node has it; the project's TypeScript lib predates it). */
interface AsyncWaiting {
  waitAsync(ta: Int32Array, index: number, value: number, timeoutMs: number): { async: false; value: 'not-equal' | 'timed-out' } | { async: true; value: Promise<'ok' | 'timed-out'> };
}
const atomics = Atomics as unknown as AsyncWaiting;

export class FetchMarks {
  private readonly ints: Int32Array;
  private readonly f64: Float64Array;

  constructor(buffer: SharedArrayBuffer, offset: number) {
    this.ints = new Int32Array(buffer, offset, MARKS_BYTES / 4);
    this.f64 = new Float64Array(buffer, offset, MARKS_BYTES / 8);
  }

  /** Marks `key` as fetched by this thread, or says who holds it; `staleMs` is lock_timeout. */
  take(key: string, now: number, staleMs: number): Mark {
    const a = hash32a(key) | 1;
    const b = hash32b(key);
    const ints = this.ints;
    this.lock();
    try {
      const first = HEADER_INTS + (b & (SETS - 1)) * WAYS * SLOT_INTS;
      let free = -1;
      for (let w = 0, at = first; w < WAYS; w++, at += SLOT_INTS) {
        const live = ints[at + S_HASH_A] !== 0 && now - this.f64[(at + S_SINCE) / 2]! < staleMs;
        if (ints[at + S_HASH_A] === a && ints[at + S_HASH_B] === b) {
          if (live) return { kind: 'held', slot: at };
          free = at;
          break;
        }
        if (!live && free < 0) free = at;
      }
      if (free < 0) return NONE;
      let token = (ints[M_TOKEN]! + 1) | 0;
      if (token === 0) token = 1;
      ints[M_TOKEN] = token;
      ints[free + S_HASH_A] = a;
      ints[free + S_HASH_B] = b;
      ints[free + S_HOLDER] = threadId + 1;
      ints[free + S_TOKEN] = token;
      this.f64[(free + S_SINCE) / 2] = now;
      return { kind: 'mine', slot: free, token };
    } finally {
      unlockCell(ints, M_LOCK);
    }
  }

  /** Releases a mark this thread took (unless a later miss took it over) and wakes the waiters. */
  release(m: Mark): void {
    if (m.kind !== 'mine') return;
    const ints = this.ints;
    this.lock();
    try {
      if (ints[m.slot + S_TOKEN] === m.token) {
        ints[m.slot + S_HASH_A] = 0;
        ints[m.slot + S_HASH_B] = 0;
        ints[m.slot + S_HOLDER] = 0;
        ints[m.slot + S_TOKEN] = 0;
      }
    } finally {
      unlockCell(ints, M_LOCK);
    }
    Atomics.add(ints, m.slot + S_SEQ, 1);
    Atomics.notify(ints, m.slot + S_SEQ);
  }

  /**
   * Waits until nobody holds `key`'s mark; false when `deadline` (Date.now()
   * ms) came first or the mark went stale: the caller fetches for itself.
   */
  async wait(key: string, deadline: number, staleMs: number): Promise<boolean> {
    const a = hash32a(key) | 1;
    const b = hash32b(key);
    const ints = this.ints;
    const first = HEADER_INTS + (b & (SETS - 1)) * WAYS * SLOT_INTS;
    for (;;) {
      const now = Date.now();
      if (now >= deadline) return false;
      let seqAt = -1;
      let seq = 0;
      let stale = false;
      this.lock();
      try {
        for (let w = 0, at = first; w < WAYS; w++, at += SLOT_INTS) {
          if (ints[at + S_HASH_A] === a && ints[at + S_HASH_B] === b) {
            stale = now - this.f64[(at + S_SINCE) / 2]! >= staleMs;
            seqAt = at + S_SEQ;
            seq = Atomics.load(ints, seqAt);
            break;
          }
        }
      } finally {
        unlockCell(ints, M_LOCK);
      }
      if (seqAt < 0) return true;
      if (stale) return false;
      // Any release in this slot bumps the cell (another key may share it): look again after each.
      const r = atomics.waitAsync(ints, seqAt, seq, deadline - now);
      if (r.async) await r.value;
    }
  }

  /** The thread holding `key`'s mark (threadId + 1), 0 when none: for tests and logs. */
  holder(key: string): number {
    const a = hash32a(key) | 1;
    const b = hash32b(key);
    const first = HEADER_INTS + (b & (SETS - 1)) * WAYS * SLOT_INTS;
    this.lock();
    try {
      for (let w = 0, at = first; w < WAYS; w++, at += SLOT_INTS) {
        if (this.ints[at + S_HASH_A] === a && this.ints[at + S_HASH_B] === b) return this.ints[at + S_HOLDER]!;
      }
      return 0;
    } finally {
      unlockCell(this.ints, M_LOCK);
    }
  }

  private lock(): void {
    // A holder that died inside the lock may have left a slot half written: forget every mark (waiters then fetch themselves).
    if (lockCell(this.ints, M_LOCK)) this.ints.fill(0, HEADER_INTS);
  }
}
