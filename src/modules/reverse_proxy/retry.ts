/**
 * Caddy's load_balancing retry rule (LoadBalancing.tryAgain): with neither
 * retries nor try_duration nothing is retried; a failed dial is always safe
 * to retry (the upstream got nothing); any other failure only for a request
 * that is idempotent and sent no body, since the upstream may have acted on it.
 */
import type { RetryPolicy } from './config.js';
import { DialError } from './transport.js';

const IDEMPOTENT = new Set(['GET', 'HEAD', 'OPTIONS', 'TRACE', 'PUT', 'DELETE']);

export class NoUpstreamError extends Error {
  override name = 'NoUpstreamError';
  constructor() {
    super('no upstreams available');
  }
}

/**
 * Whether to try again after `attempts` failed tries (the latest with `err`)
 * since `startMs`; waits try_interval before saying yes.
 */
export async function tryAgain(p: RetryPolicy, startMs: number, attempts: number, err: unknown, method: string, hasBody: boolean, aborted: () => boolean): Promise<boolean> {
  if (p.tryDuration === 0 && p.retries === 0) return false;
  const elapsed = Date.now() - startMs;
  // retries counts tries after the first; try_duration bounds them in time when no count is given.
  if (p.retries > 0 && attempts > p.retries) return false;
  if (p.tryDuration > 0 && elapsed >= p.tryDuration) return false;
  if (!(err instanceof DialError) && !(err instanceof NoUpstreamError)) {
    if (!IDEMPOTENT.has(method) || hasBody) return false;
  }
  if (p.tryInterval > 0) {
    // With only a try duration, never sleep past it.
    const wait = p.tryDuration > 0 ? Math.min(p.tryInterval, p.tryDuration - elapsed) : p.tryInterval;
    await new Promise((r) => setTimeout(r, wait));
  }
  return !aborted();
}
