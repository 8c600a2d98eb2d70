/**
 * The process's metrics: one registry for everything a scrape shows (the
 * http app's families, reverse_proxy's upstream health, process figures),
 * and what the `metrics` handler and the admin API's /metrics serve.
 *
 * One registry per process, not per config as in Caddy: counters keep
 * counting across reloads (Caddy starts from zero with each config). When
 * tsweb runs workers, each sends `registry.snapshot()` to the primary, which
 * serves `formatSnapshot(mergeSnapshots([...]))` (setMetricsGatherer).
 */
import { formatSnapshot, OPENMETRICS_CONTENT_TYPE, TEXT_CONTENT_TYPE } from './exposition.js';
import { registerProcessMetrics } from './process.js';
import { type MetricsSnapshot, Registry } from './registry.js';

export const registry = new Registry();
registerProcessMetrics(registry);

/**
 * Where a scrape gets the server's figures when they are not all in this
 * thread: with `workers N` the supervisor gathers every worker's snapshot
 * and merges them (src/runtime/supervisor.ts), and a worker's `metrics`
 * handler asks the supervisor. Null: this thread's registry is the server's.
 */
let gatherer: (() => Promise<MetricsSnapshot>) | null = null;

export function setMetricsGatherer(fn: (() => Promise<MetricsSnapshot>) | null): void {
  gatherer = fn;
}

/** The server's metrics as one snapshot: this registry's, or every worker's merged. */
export function serverSnapshot(): Promise<MetricsSnapshot> {
  return gatherer === null ? Promise.resolve(registry.snapshot()) : gatherer();
}

/** The exposition of the server's metrics (every worker's, merged). */
export async function metricsText(openMetrics = false): Promise<string> {
  return formatSnapshot(await serverSnapshot(), openMetrics);
}

/** The Content-Type that goes with metricsText(openMetrics). */
export function metricsContentType(openMetrics = false): string {
  return openMetrics ? OPENMETRICS_CONTENT_TYPE : TEXT_CONTENT_TYPE;
}

export { wantsOpenMetrics } from './exposition.js';
