/**
 * http.handlers.metrics: answers with the process's metrics wherever its
 * route matches (promhttp's handler: OpenMetrics when negotiated and not
 * disabled, the text format otherwise) and ends the chain.
 */
import { metricsContentType, metricsText, wantsOpenMetrics } from '../../core/metrics/index.js';
import { handlerModule } from '../../core/registry.js';
import type { Handler } from '../../core/types.js';
import { decodeMetricsHandler, type MetricsHandler } from './config.js';

function provision({ openMetrics }: MetricsHandler): Handler {
  return async (ctx) => {
    const om = openMetrics && wantsOpenMetrics(ctx.req.headers.accept);
    const text = await metricsText(om);
    ctx.w.setHeader('Content-Type', metricsContentType(om));
    ctx.w.end(text);
  };
}

export const metricsHandler = handlerModule('metrics', { decode: decodeMetricsHandler, provision });
