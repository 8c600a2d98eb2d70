/**
 * weighted_round_robin (Caddy's WeightedRoundRobinSelection): each upstream
 * in config order gets `weights[i]` of every `sum(weights)` requests; weight
 * 0 takes an upstream out (blue-green), 1 and 9 make a canary. The only
 * state is one counter per handler, read through `next` so it can live
 * wherever the caller keeps round-robin counters (per worker or shared);
 * like Caddy's, it starts again at 0 when a reload builds a new handler.
 */
import type { Selector } from './selection.js';
import type { Upstream } from './upstreams.js';

/** `next()` returns the counter after incrementing it (Caddy's index.Add(1)). */
export function weightedRoundRobin(weights: readonly number[], next: () => number): Selector {
  const total = weights.reduce((a, b) => a + b, 0);
  const positive = weights.filter((w) => w > 0);
  // Caddy: with fewer than two weights the first upstream is the answer, available or not.
  if (weights.length < 2) return (pool) => pool[0] ?? null;
  return (pool) => {
    if (pool.length === 0) return null;
    const current = next() % total;
    let index = 0;
    let sum = 0;
    for (let i = 0; i < positive.length; i++) {
      sum += positive[i]!;
      if (current < sum) {
        index = i;
        break;
      }
    }
    // As Caddy: the slot indexes the available upstreams of positive weight,
    // so an unavailable one hands its share to the next in line.
    const candidates: Upstream[] = [];
    for (let i = 0; i < pool.length && candidates.length < positive.length; i++) {
      const u = pool[i]!;
      if (!u.available() || !((weights[i] ?? 0) > 0)) continue;
      candidates.push(u);
    }
    if (candidates.length === 0) return null;
    return candidates[index % candidates.length]!;
  };
}
