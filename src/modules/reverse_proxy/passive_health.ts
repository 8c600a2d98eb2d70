/**
 * Passive health checks (Caddy's PassiveHealthChecks): a failed try, an
 * unhealthy status or a slow answer counts one failure against the upstream
 * for fail_duration; with max_fails (default 1) failures counting, the
 * upstream is unavailable to the selection policies until they expire.
 * Without fail_duration nothing is remembered, as in Caddy. Active health
 * checks are refused for now.
 */
import type { PassiveHealthSettings } from './config.js';
import type { Upstream } from './upstreams.js';

export interface PassiveHealth {
  /** Counts one failure against `u` for fail_duration (no-op without it). */
  countFailure(u: Upstream): void;
  /** After a response: counts a failure when its status or latency says unhealthy. */
  judge(u: Upstream, status: number, latencyMs: number): void;
  /** max_fails for Upstream.available (0: failures are not counted). */
  readonly maxFails: number;
  /** unhealthy_request_count: Caddy's default for max_requests. */
  readonly maxRequests: number;
}

/** Caddy's StatusCodeMatches: 5 matches any 5xx, 404 only 404. */
function statusMatches(status: number, codes: number[]): boolean {
  return codes.some((c) => (c < 100 ? Math.floor(status / 100) === c : status === c));
}

export function compilePassiveHealth(p: PassiveHealthSettings | null): PassiveHealth {
  if (p === null) return { countFailure() {}, judge() {}, maxFails: 0, maxRequests: 0 };
  const { failDuration, maxFails, unhealthyStatus: codes, unhealthyLatency: slow, unhealthyRequestCount: maxRequests } = p;
  const countFailure = (u: Upstream) => {
    if (failDuration === 0) return;
    // The count is the server's (every worker sees it); the expiry is this
    // worker's timer, and if the worker dies first the supervisor takes its
    // failures back out (SharedTable.clearColumn).
    u.countFail();
    setTimeout(() => u.forgetFail(), failDuration).unref();
  };
  return {
    countFailure,
    judge(u, status, latencyMs) {
      if ((codes.length > 0 && statusMatches(status, codes)) || (slow > 0 && latencyMs > slow)) countFailure(u);
    },
    maxFails: failDuration > 0 ? maxFails : 0,
    maxRequests,
  };
}
