/**
 * The spinlock of shared memory (one Int32 cell, 0 free, 1 held) that
 * rate_limit's buckets and the cache's block use: a compare-and-swap, a
 * short spin, then sleeps of 50 µs (Atomics.wait: worker threads and
 * Node's main thread may block). Holders keep it for microseconds (a
 * millisecond for a cache body of megabytes), so unlocking notifies
 * nobody: a waiter finds it free at its next try.
 *
 * A thread terminated while holding it (worker.terminate() can stop
 * JavaScript anywhere) would leave it held forever: a lock held for
 * `staleMs` is taken over, and the caller is told so it can reset what the
 * dead holder may have left half written.
 */

const SPINS = 64;

/** Takes the lock; true when it was taken over from a holder that held it for `staleMs` (the state it guards may be torn). */
export function lockCell(ints: Int32Array, at: number, staleMs = 2_000): boolean {
  if (Atomics.compareExchange(ints, at, 0, 1) === 0) return false;
  for (let spin = 0; spin < SPINS; spin++) {
    if (Atomics.compareExchange(ints, at, 0, 1) === 0) return false;
  }
  const since = Date.now();
  for (let n = 0; ; n++) {
    Atomics.wait(ints, at, 1, 0.05);
    if (Atomics.compareExchange(ints, at, 0, 1) === 0) return false;
    // Date.now() every 256 sleeps (~13 ms and more): the clock is not read per spin.
    if ((n & 255) === 255 && Date.now() - since > staleMs) return true;
  }
}

export function unlockCell(ints: Int32Array, at: number): void {
  Atomics.store(ints, at, 0);
}
