/**
 * Caddy's load_balancing retry rule (LoadBalancing.tryAgain): with neither
 * retries nor try_duration nothing is retried; a failed dial is always safe
 * to retry (the upstream got nothing); any other failure only for a GET
 * without a body (as Caddy: the upstream may have acted on anything else, and
 * a streamed body cannot be sent twice), unless lb_retry_match says which
 * requests (retry_match.ts).
 */
import type { Ctx } from '../../core/types.js';
import type { RetryPolicy } from './config.js';
import { type RetryMatch, RetryableResponse, retryAllowed } from './retry_match.js';
import { DialError } from './transport.js';

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
export async function tryAgain(
  p: RetryPolicy,
  startMs: number,
  attempts: number,
  err: unknown,
  method: string,
  hasBody: boolean,
  aborted: () => boolean,
  match: RetryMatch | null = null,
  ctx: Ctx | null = null,
): Promise<boolean> {
  if (p.tryDuration === 0 && p.retries === 0) return false;
  const elapsed = Date.now() - startMs;
  // retries counts tries after the first; try_duration bounds them in time when no count is given.
  if (p.retries > 0 && attempts > p.retries) return false;
  if (p.tryDuration > 0 && elapsed >= p.tryDuration) return false;
  // A response lb_retry_match asked to retry was already judged by it (a body already sent cannot be sent again).
  if (err instanceof RetryableResponse && hasBody) return false;
  if (!(err instanceof DialError) && !(err instanceof NoUpstreamError) && !(err instanceof RetryableResponse)) {
    if (match !== null && ctx !== null) {
      if (!retryAllowed(match, ctx)) return false;
    } else if (method !== 'GET' || hasBody) return false;
  }
  if (p.tryInterval > 0) {
    // With only a try duration, never sleep past it.
    const wait = p.tryDuration > 0 ? Math.min(p.tryInterval, p.tryDuration - elapsed) : p.tryInterval;
    await new Promise((r) => setTimeout(r, wait));
  }
  return !aborted();
}
