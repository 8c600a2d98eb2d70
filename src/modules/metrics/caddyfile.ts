/**
 * metrics [<matcher>] {
 *     disable_openmetrics
 * }
 *
 * Serves Prometheus metrics at the matched route. (Per-host metrics are the
 * `metrics { per_host }` global/server option, not this directive.)
 */
import { handlerDirective } from '../../adapt/registry.js';
import type { JSONObject } from '../../adapt/types.js';

export const metricsDirective = handlerDirective('metrics', (h) => {
  h.next(); // directive name
  if (h.remainingArgs().length > 0) throw h.argErr();
  const out: JSONObject = { handler: 'metrics' };
  while (h.nextBlock(0)) {
    switch (h.val()) {
      case 'disable_openmetrics':
        out.disable_openmetrics = true;
        break;
      default:
        throw h.err(`unrecognized subdirective ${JSON.stringify(h.val())}`);
    }
  }
  return out as { handler: string };
});
