/**
 * route [<matcher>] {
 *     <directives...>
 * }
 *
 * Runs its directives in the order written (no sorting), so it also takes
 * directives that have no place in the directive order.
 */
import { parseSegmentAsConfig, buildSubroute, subrouteHandler } from '../../adapt/subroute.js';
import { handlerDirective } from '../../adapt/registry.js';

export const routeDirective = handlerDirective('route', (h) => {
  const results = parseSegmentAsConfig(h);
  for (const r of results) {
    if (r.class !== 'route' || !r.value || typeof r.value !== 'object') {
      throw h.err(
        `${r.directive} directive returned something other than an HTTP route or subroute: ${JSON.stringify(r.value)} (only handler directives can be used in routes)`,
      );
    }
  }
  return subrouteHandler(buildSubroute(results, h.shared.groupCounter, false, h.shared.options));
});
