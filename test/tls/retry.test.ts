import { afterEach, describe, expect, it, vi } from 'vitest';
import { doWithRetry, retryIntervals, retryScale } from '../../src/tls/retry.js';

afterEach(() => {
  vi.useRealTimers();
});

describe("certmagic's retry schedule", () => {
  it('waits 1 min, 2 min, 2 min, 5 min ... between failed attempts, logging each as Caddy does', async () => {
    vi.useFakeTimers();
    const lines: Array<Record<string, unknown>> = [];
    let calls = 0;
    const done = doWithRetry(
      async () => {
        calls++;
        if (calls < 4) throw new Error(`attempt ${calls} failed`);
      },
      { log: (_l, logger, msg, f) => lines.push({ logger, msg, ...f }), logger: 'tls.obtain', signal: new AbortController().signal, scale: 1, identifier: 'a.example.com' },
    );
    await vi.advanceTimersByTimeAsync(0);
    expect(calls).toBe(1);
    await vi.advanceTimersByTimeAsync(59_000);
    expect(calls).toBe(1);
    await vi.advanceTimersByTimeAsync(1_000);
    expect(calls).toBe(2);
    await vi.advanceTimersByTimeAsync(120_000);
    expect(calls).toBe(3);
    await vi.advanceTimersByTimeAsync(120_000);
    expect(calls).toBe(4);
    await done;
    expect(lines.map((l) => [l.logger, l.msg, l.attempt, l.retrying_in])).toEqual([
      ['tls.obtain', 'will retry', 1, 60],
      ['tls.obtain', 'will retry', 2, 120],
      ['tls.obtain', 'will retry', 3, 120],
    ]);
    expect(lines[0]).toMatchObject({ error: 'attempt 1 failed', identifier: 'a.example.com', max_duration: 2_592_000 });
  });

  it('stops waiting when the config stops, and TSWEB_RETRY_SCALE shortens every wait (tests only)', async () => {
    const ac = new AbortController();
    let calls = 0;
    const t0 = Date.now();
    const done = doWithRetry(
      async () => {
        calls++;
        throw new Error('no');
      },
      { log: () => {}, logger: 'tls.obtain', signal: ac.signal, scale: retryScale({ TSWEB_RETRY_SCALE: '0.001' }), identifier: 'x' },
    );
    await new Promise((r) => setTimeout(r, 400));
    ac.abort();
    await done;
    // 60 ms, 120, 120 → at least 3 attempts in 400 ms; none after the abort.
    expect(calls).toBeGreaterThanOrEqual(3);
    const after = calls;
    await new Promise((r) => setTimeout(r, 400));
    expect(calls).toBe(after);
    expect(Date.now() - t0).toBeLessThan(5000);
    expect(retryIntervals.at(-1)).toBe(6 * 3600_000);
    expect(retryScale({})).toBe(1);
  });
});
