/**
 * copy_response [<matcher>] [<status>] {
 *     status <status>
 * }
 *
 * Only meaningful inside reverse_proxy's handle_response routes: writes the
 * upstream's response body, optionally with another status.
 */
import { handlerDirective } from '../../adapt/registry.js';
import type { HandlerJSON } from '../../adapt/types.js';
import { weakString } from '../../adapt/weakstring.js';

export const copyResponseDirective = handlerDirective('copy_response', (h) => {
  h.next(); // directive name
  const out: HandlerJSON = { handler: 'copy_response' };
  const args = h.remainingArgs();
  // Like Caddy, a positive integer argument is the status; any other arguments are ignored.
  if (args.length === 1 && /^[+-]?\d+$/.test(args[0]!) && Number(args[0]) > 0) {
    out.status_code = weakString(args[0]!);
    return out;
  }
  while (h.nextBlock(0)) {
    if (h.val() !== 'status') throw h.err(`unrecognized subdirective '${h.val()}'`);
    if (!h.nextArg()) throw h.argErr();
    if (h.val() !== '') out.status_code = weakString(h.val());
  }
  return out;
});
