/**
 * The `metrics` handler's JSON (Caddy's metrics.Metrics,
 * http.handlers.metrics), as the adapter writes it and the handler reads it.
 */
import { ObjectReader } from '../../core/decode.js';
import type { JSONObject } from '../../core/registry.js';

export interface MetricsConfig {
  handler: 'metrics';
  /** Never answer in OpenMetrics, whatever the scraper accepts. */
  disable_openmetrics?: boolean;
}

export interface MetricsHandler {
  openMetrics: boolean;
}

export function decodeMetricsHandler(json: JSONObject): MetricsHandler {
  const r = new ObjectReader(json);
  r.ignore('handler');
  const disable = r.bool('disable_openmetrics');
  r.done();
  return { openMetrics: !disable };
}
