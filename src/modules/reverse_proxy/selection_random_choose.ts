/**
 * random_choose N (Caddy's RandomChoiceSelection, "power of N choices"):
 * N available upstreams sampled uniformly (reservoir sampling), then the
 * one with the fewest requests in flight.
 */
import type { Selector } from './selection.js';
import type { Upstream } from './upstreams.js';

/** Caddy's leastRequests: the first idle one, else a random one among the least loaded seen. */
function leastRequests(choices: readonly Upstream[]): Upstream | null {
  const best: Upstream[] = [];
  let bestReqs = -1;
  for (const u of choices) {
    if (u.inflight === 0) return u;
    if (bestReqs === -1 || u.inflight <= bestReqs) {
      bestReqs = u.inflight;
      best.push(u);
    }
  }
  if (best.length === 0) return null;
  if (best.length === 1) return best[0]!;
  return best[Math.floor(Math.random() * best.length)]!;
}

export function randomChoose(choose: number): Selector {
  return (pool) => {
    const k = Math.min(choose, pool.length);
    const choices: Upstream[] = [];
    let available = 0;
    for (const u of pool) {
      if (!u.available()) continue;
      available++;
      if (choices.length < k) {
        choices.push(u);
        continue;
      }
      const j = Math.floor(Math.random() * available);
      if (j < k) choices[j] = u;
    }
    return leastRequests(choices);
  };
}
