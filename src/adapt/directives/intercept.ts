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
import { moduleObject } from '../gojson.js';
import { ResponseHandling } from '../proxy/responsehandlers.js';
import { registerHandlerDirective } from '../registry.js';
import type { HandlerJSON } from '../types.js';

registerHandlerDirective('intercept', (h) => {
  h.next(); // directive name
  const responses = new ResponseHandling();
  while (h.nextBlock(0)) {
    if (!responses.parseSubdirective(h)) throw h.err(`unrecognized subdirective ${h.val()}`);
  }
  const handleResponse = responses.finalize(h);
  return moduleObject(handleResponse ? { handle_response: handleResponse } : {}, 'handler', 'intercept') as HandlerJSON;
});
