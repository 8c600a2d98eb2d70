/**
 * The spinlock of a shared cache block (one Int32 cell, 0 free, 1 held),
 * in the style of rate_limit's bucket locks: a compare-and-swap, a short
 * spin, then sleeps of 50 µs (Atomics.wait: worker threads and Node's main
 * thread may block). The holders keep it for a lookup or a copy
 * (microseconds, a millisecond for a body of megabytes), so unlocking
 * notifies nobody: a waiter finds it free at its next try.
 *
 * A thread terminated while holding it (worker.terminate() can stop
 * JavaScript anywhere) would leave it held forever: a lock held for
 * STALE_MS is taken over, and the caller is told so it can reset what the
 * dead holder may have left half written.
 */

const SPINS = 64;
const STALE_MS = 2_000;

/** Takes the lock; true when it was taken over from a holder that held it for STALE_MS (the state it guards may be torn). */
export function lockCell(ints: Int32Array, at: number): boolean {
  if (Atomics.compareExchange(ints, at, 0, 1) === 0) return false;
  for (let spin = 0; spin < SPINS; spin++) {
    if (Atomics.compareExchange(ints, at, 0, 1) === 0) return false;
  }
  const since = Date.now();
  for (let n = 0; ; n++) {
    Atomics.wait(ints, at, 1, 0.05);
    if (Atomics.compareExchange(ints, at, 0, 1) === 0) return false;
    // Date.now() every 256 sleeps (~13 ms and more): the clock is not read per spin.
    if ((n & 255) === 255 && Date.now() - since > STALE_MS) return true;
  }
}

export function unlockCell(ints: Int32Array, at: number): void {
  Atomics.store(ints, at, 0);
}
