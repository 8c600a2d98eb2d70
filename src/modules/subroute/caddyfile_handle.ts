/**
 * handle [<matcher>] {
 *     <directives...>
 * }
 *
 * A mutually exclusive block: of all `handle` blocks at one level, only the
 * first that matches runs. Its directives are sorted like a site's.
 */
import { handlerDirective } from '../../adapt/registry.js';

export const handleDirective = handlerDirective('handle', (h) => h.parseSegmentAsSubroute());
