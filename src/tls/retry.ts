/**
 * certmagic's doWithRetry (async.go): an obtain or renewal that fails is
 * tried again after 1 min, 2 min, 2 min, 5 min, 10 min ... up to 6 h
 * between attempts, for at most 30 days, each failure logged as "will
 * retry". TSWEB_RETRY_SCALE (tests only) multiplies every wait, e.g. 0.001
 * turns the first minute into 60 ms.
 */
import type { EngineLog } from '../core/log.js';

const min = 60_000;
const hour = 60 * min;
export const retryIntervals: readonly number[] = [
  1 * min, 2 * min, 2 * min, 5 * min, 10 * min, 10 * min, 10 * min, 20 * min, 20 * min, 20 * min, 20 * min,
  30 * min, 30 * min, 30 * min, 30 * min, 30 * min, 30 * min, 1 * hour, 1 * hour, 1 * hour, 2 * hour, 2 * hour, 3 * hour, 3 * hour, 6 * hour,
];
export const maxRetryDurationMs = 30 * 24 * hour;

export function retryScale(env: NodeJS.ProcessEnv): number {
  const s = Number(env.TSWEB_RETRY_SCALE);
  return Number.isFinite(s) && s > 0 ? s : 1;
}

export interface RetryOptions {
  log: EngineLog;
  logger: string;
  signal: AbortSignal;
  scale: number;
  identifier: string;
}

function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal.aborted) return resolve();
    const t = setTimeout(done, ms);
    function done() {
      clearTimeout(t);
      signal.removeEventListener('abort', done);
      resolve();
    }
    signal.addEventListener('abort', done, { once: true });
  });
}

/** Runs f until it succeeds, the signal aborts, or the retry duration runs out (then the last error is logged, not thrown). */
export async function doWithRetry(f: () => Promise<void>, o: RetryOptions): Promise<void> {
  const start = Date.now();
  const maxMs = maxRetryDurationMs * o.scale;
  let index = -1;
  let attempts = 0;
  while (Date.now() - start < maxMs) {
    if (index >= 0) await sleep(retryIntervals[index]! * o.scale, o.signal);
    if (o.signal.aborted) return;
    try {
      attempts++;
      await f();
      return;
    } catch (err) {
      if (o.signal.aborted) return;
      if (index < retryIntervals.length - 1) index++;
      const elapsed = (Date.now() - start) / 1000;
      if (Date.now() - start < maxMs) {
        o.log('error', o.logger, 'will retry', { identifier: o.identifier, error: (err as Error).message, attempt: attempts, retrying_in: (retryIntervals[index]! * o.scale) / 1000, elapsed, max_duration: maxMs / 1000 });
      } else {
        o.log('error', o.logger, 'final attempt; giving up', { identifier: o.identifier, error: (err as Error).message, attempt: attempts, elapsed, max_duration: maxMs / 1000 });
        return;
      }
    }
  }
}
