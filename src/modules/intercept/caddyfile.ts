/**
 * intercept [<matcher>] {
 *     @name {
 *         status <code...>
 *         header <field> [<value>]
 *     }
 *     replace_status [<matcher>] <status_code>
 *     handle_response [<matcher>] {
 *         <directives...>
 *     }
 * }
 *
 * reverse_proxy's response interception for responses written by any handler.
 */
import { moduleObject } from '../../go/json.js';
import { ResponseHandling } from '../reverse_proxy/caddyfile_response_handlers.js';
import { handlerDirective } from '../../adapt/registry.js';
import type { HandlerJSON } from '../../adapt/types.js';

export const interceptDirective = handlerDirective('intercept', (h) => {
  h.next(); // directive name
  const responses = new ResponseHandling();
  while (h.nextBlock(0)) {
    if (!responses.parseSubdirective(h)) throw h.err(`unrecognized subdirective ${h.val()}`);
  }
  const handleResponse = responses.finalize(h);
  return moduleObject(handleResponse ? { handle_response: handleResponse } : {}, 'handler', 'intercept') as HandlerJSON;
});
