/**
 * error [<matcher>] <status>|<message> [<status>] {
 *     message <text>
 * }
 *
 * Triggers the error routes (handle_errors). One three-digit argument is a
 * status; anything else is the message.
 */
import { handlerDirective } from '../../adapt/registry.js';
import { weakString } from '../../adapt/weakstring.js';
import type { ErrorConfig } from './config.js';

export const errorDirective = handlerDirective('error', (h) => {
  h.next(); // directive name
  const args = h.remainingArgs();
  let status: string | undefined;
  let message = '';
  if (args.length === 1) {
    if (/^\d{3}$/.test(args[0]!) && Number(args[0]) > 0) status = args[0];
    else message = args[0]!;
  } else if (args.length === 2) {
    message = args[0]!;
    status = args[1];
  } else {
    throw h.argErr();
  }

  while (h.nextBlock(0)) {
    switch (h.val()) {
      case 'message': {
        if (message !== '') throw h.err('message already specified');
        const a = h.allArgs(1);
        if (!a) throw h.argErr();
        message = a[0]!;
        break;
      }
      default:
        throw h.err(`unrecognized subdirective '${h.val()}'`);
    }
  }

  const out: ErrorConfig = { handler: 'error' };
  if (message) out.error = message;
  if (status) out.status_code = weakString(status);
  return out;
});
