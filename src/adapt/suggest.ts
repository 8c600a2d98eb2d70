/**
 * "Did you mean ...?" for unknown directive names: the closest registered
 * directive by edit distance, if it is close enough to be a likely typo.
 */
import { directives } from './registry.js';

/** Levenshtein distance (one row of the table at a time). */
export function editDistance(a: string, b: string): number {
  const prev = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    let diag = prev[0]!;
    prev[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const tmp = prev[j]!;
      prev[j] = Math.min(prev[j]! + 1, prev[j - 1]! + 1, diag + (a[i - 1] === b[j - 1] ? 0 : 1));
      diag = tmp;
    }
  }
  return prev[b.length]!;
}

/** The nearest known directive to `name`, or '' if none is a plausible typo. */
export function nearestDirective(name: string): string {
  const lower = name.toLowerCase();
  const limit = Math.min(3, Math.max(1, Math.floor(lower.length / 4)));
  let best = '';
  let bestDist = Infinity;
  for (const known of directives.keys()) {
    if (Math.abs(known.length - lower.length) > limit) continue;
    const dist = editDistance(lower, known);
    if (dist < bestDist || (dist === bestDist && known < best)) {
      best = known;
      bestDist = dist;
    }
  }
  return bestDist <= limit ? best : '';
}

/** ` - did you mean X?` or '' (appended to "unrecognized directive: NAME"). */
export function suggestDirective(name: string): string {
  const near = nearestDirective(name);
  return near ? ` - did you mean ${near}?` : '';
}
