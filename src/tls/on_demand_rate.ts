/**
 * certmagic's RingBufferRateLimiter: at most `events` in any sliding window
 * of `windowMs`. A caller over the limit waits (in arrival order) for the
 * oldest event to leave the window rather than failing, as certmagic's
 * Wait does.
 */
export class RateLimiter {
  /** Event times, oldest at `cursor`; 0 = a slot never used. */
  private readonly ring: number[];
  private cursor = 0;
  private queue: Promise<void> = Promise.resolve();

  constructor(
    readonly events: number,
    readonly windowMs: number,
    private readonly now: () => number = Date.now,
  ) {
    this.ring = new Array<number>(Math.max(1, events)).fill(0);
  }

  /** Milliseconds until a slot is free (0: now). */
  delay(): number {
    const oldest = this.ring[this.cursor]!;
    return oldest === 0 ? 0 : Math.max(0, oldest + this.windowMs - this.now());
  }

  /** Resolves once this caller's event fits the window (and records it); onWait hears how long it will be. */
  wait(onWait?: (ms: number) => void): Promise<void> {
    const turn = this.queue.then(async () => {
      const ms = this.delay();
      if (ms > 0) {
        onWait?.(ms);
        await new Promise<void>((resolve) => setTimeout(resolve, ms).unref());
      }
      this.ring[this.cursor] = this.now();
      this.cursor = (this.cursor + 1) % this.ring.length;
    });
    this.queue = turn.catch(() => undefined);
    return turn;
  }
}
