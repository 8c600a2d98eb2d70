/**
 * The process's metrics: one registry for everything a scrape shows (the
 * http app's families, reverse_proxy's upstream health, process figures),
 * and what the `metrics` handler and the admin API's /metrics serve.
 *
 * One registry per process, not per config as in Caddy: counters keep
 * counting across reloads (Caddy starts from zero with each config). When
 * tsweb runs workers, each sends `registry.snapshot()` to the primary, which
 * serves `formatSnapshot(mergeSnapshots([...]))`.
 */
import { formatSnapshot, OPENMETRICS_CONTENT_TYPE, TEXT_CONTENT_TYPE } from './exposition.js';
import { registerProcessMetrics } from './process.js';
import { Registry } from './registry.js';

export const registry = new Registry();
registerProcessMetrics(registry);

/** The exposition of this process's metrics (async: with workers it will gather theirs first). */
export function metricsText(openMetrics = false): Promise<string> {
  return Promise.resolve(formatSnapshot(registry.snapshot(), openMetrics));
}

/** The Content-Type that goes with metricsText(openMetrics). */
export function metricsContentType(openMetrics = false): string {
  return openMetrics ? OPENMETRICS_CONTENT_TYPE : TEXT_CONTENT_TYPE;
}

export { wantsOpenMetrics } from './exposition.js';
