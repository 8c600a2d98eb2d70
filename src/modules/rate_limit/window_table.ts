/**
 * One rate_limit zone's state: for each key, a ring of its last `events`
 * timestamps (the caddy-ratelimit plugin's ringBufferRateLimiter), so the
 * sliding window is exact: an event is allowed when the oldest remembered
 * one is more than `window` old, and then takes its place.
 *
 * The rings live in a fixed-capacity hash table in one block of memory (a
 * SharedArrayBuffer every worker thread sees, src/core/shared/arena.ts), so
 * a zone's limit holds for the whole server, not per worker. The table is
 * set-associative: a key hashes (64 bits) to a bucket of WAYS slots with a
 * spinlock, taken with Atomics for the few reads and writes of one decision.
 *
 * Memory is bounded whatever the number of distinct keys: a new key takes an
 * empty or expired slot of its bucket, and when all of them hold live keys
 * it takes the least recently used one (whose key starts over, as in nginx's
 * limit_req when its zone is full). `sweep` empties expired slots so
 * `liveKeys` counts what is really limited.
 *
 * Slot layout (bytes): hashA, hashB, cursor, spare (Int32 each), then
 * `events` Float64 timestamps in ms (0: never).
 */
import { hash32a, hash32b } from '../../core/shared/hash.js';
import { lockCell, unlockCell } from '../../core/shared/lock.js';

export const WAYS = 8;
const SLOT_HEADER_BYTES = 16;
/** Memory one zone may use at most (its rings), which sets how many keys it tracks. */
export const ZONE_BUDGET_BYTES = 32 * 2 ** 20;
/** Keys one zone tracks at most. */
export const MAX_KEYS = 2 ** 20;
/** A decision holds its bucket for microseconds: a lock held this long was left by a thread terminated inside it. */
const STALE_LOCK_MS = 10;

export interface ZoneLayout {
  events: number;
  buckets: number;
  slotBytes: number;
  /** Bytes of the whole block: bucket locks, then slots. */
  bytes: number;
}

/** The table for `events` per window, sized to the budget (a power of two of buckets). */
export function zoneLayout(events: number, budget = ZONE_BUDGET_BYTES, maxKeys = MAX_KEYS): ZoneLayout {
  const slotBytes = SLOT_HEADER_BYTES + 8 * events;
  const fit = Math.max(1, Math.floor(Math.min(maxKeys, budget / slotBytes) / WAYS));
  const buckets = 2 ** Math.floor(Math.log2(fit));
  const locksBytes = Math.ceil((buckets * 4) / 8) * 8;
  return { events, buckets, slotBytes, bytes: locksBytes + buckets * WAYS * slotBytes };
}

export class WindowTable {
  private readonly ints: Int32Array;
  private readonly times: Float64Array;
  private readonly mask: number;
  /** Int32 index of the first slot. */
  private readonly slotsAt: number;
  private readonly slotInts: number;
  private readonly events: number;

  constructor(
    readonly layout: ZoneLayout,
    buffer: SharedArrayBuffer | ArrayBuffer,
    offset: number,
    /** Milliseconds; a reload may change it in place (the plugin's SetWindow). */
    public windowMs: number,
  ) {
    this.ints = new Int32Array(buffer, offset, layout.bytes / 4);
    this.times = new Float64Array(buffer, offset, layout.bytes / 8);
    this.mask = layout.buckets - 1;
    this.slotsAt = Math.ceil(layout.buckets / 2) * 2;
    this.slotInts = layout.slotBytes / 4;
    this.events = layout.events;
  }

  /**
   * The plugin's When(): 0 if the event is allowed now (and it is recorded),
   * else the milliseconds (> 0) until it would be. `now` is epoch milliseconds
   * (Date.now(): the same clock in every worker thread).
   */
  when(key: string, now: number): number {
    if (this.events === 0) return this.windowMs;
    const a = hash32a(key) | 1; // never 0: an all-zero slot is empty
    const b = hash32b(key);
    const bucket = b & this.mask;
    const ints = this.ints;
    const times = this.times;
    lockCell(this.ints, bucket, STALE_LOCK_MS);
    try {
      const first = this.slotsAt + bucket * WAYS * this.slotInts;
      let at = -1;
      for (let w = 0, i = first; w < WAYS; w++, i += this.slotInts) {
        if (ints[i] === a && ints[i + 1] === b) {
          at = i;
          break;
        }
      }
      if (at < 0) {
        // A new key: an empty slot, else the one whose newest event is oldest (expired ones first).
        let victimNewest = Infinity;
        for (let w = 0, i = first; w < WAYS; w++, i += this.slotInts) {
          const newest = ints[i] === 0 ? -Infinity : this.newest(i);
          if (newest < victimNewest) {
            victimNewest = newest;
            at = i;
          }
        }
        ints[at] = a;
        ints[at + 1] = b;
        ints[at + 2] = 0;
        times.fill(0, (at + 4) / 2, (at + 4) / 2 + this.events);
      }
      const cursor = ints[at + 2]!;
      const t = (at + 4) / 2 + cursor;
      const oldest = times[t]!;
      // The plugin compares with >, and a wait of exactly 0 then lets the event pass unrecorded;
      // at millisecond resolution that instant is common, so it counts as outside the window.
      if (now - oldest >= this.windowMs) {
        times[t] = now;
        ints[at + 2] = cursor + 1 === this.events ? 0 : cursor + 1;
        return 0;
      }
      return oldest + this.windowMs - now;
    } finally {
      unlockCell(ints, bucket);
    }
  }

  /** Empties the slots whose newest event is outside the window; returns how many. */
  sweep(now: number): number {
    let cleared = 0;
    for (let bucket = 0; bucket < this.layout.buckets; bucket++) {
      const first = this.slotsAt + bucket * WAYS * this.slotInts;
      lockCell(this.ints, bucket, STALE_LOCK_MS);
      try {
        for (let w = 0, i = first; w < WAYS; w++, i += this.slotInts) {
          if (this.ints[i] !== 0 && this.newest(i) + this.windowMs < now) {
            this.ints[i] = 0;
            this.ints[i + 1] = 0;
            cleared++;
          }
        }
      } finally {
        unlockCell(this.ints, bucket);
      }
    }
    return cleared;
  }

  /** Keys holding a slot (live until swept). */
  keys(): number {
    let n = 0;
    const stride = this.slotInts;
    const end = this.slotsAt + this.layout.buckets * WAYS * stride;
    for (let i = this.slotsAt; i < end; i += stride) if (Atomics.load(this.ints, i) !== 0) n++;
    return n;
  }

  /** Newest timestamp of the slot at Int32 index `i`: the one just before the cursor. */
  private newest(i: number): number {
    if (this.events === 0) return 0;
    const cursor = this.ints[i + 2]!;
    return this.times[(i + 4) / 2 + (cursor === 0 ? this.events - 1 : cursor - 1)] ?? 0;
  }
}
