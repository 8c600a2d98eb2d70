/**
 * handle [<matcher>] {
 *     <directives...>
 * }
 *
 * A mutually exclusive block: of all `handle` blocks at one level, only the
 * first that matches runs. Its directives are sorted like a site's.
 */
import { registerHandlerDirective } from '../../adapt/registry.js';

registerHandlerDirective('handle', (h) => h.parseSegmentAsSubroute());
