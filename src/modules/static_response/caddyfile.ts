/**
 * respond [<matcher>] <status>|<body> [<status>] {
 *     body <text>
 *     close
 * }
 *
 * A single argument of exactly three digits is a status code, anything
 * else is the body (so `respond 404` responds 404, `respond "404 page"`
 * has a body).
 */
import { handlerDirective } from '../../adapt/registry.js';
import { weakString } from '../../adapt/weakstring.js';
import type { StaticResponseConfig } from './config.js';

export const respondDirective = handlerDirective('respond', (h) => {
  h.next(); // directive name
  const args = h.remainingArgs();
  let status: string | undefined;
  let body = '';
  if (args.length === 1) {
    if (/^\d{3}$/.test(args[0]!) && Number(args[0]) > 0) status = args[0];
    else body = args[0]!;
  } else if (args.length === 2) {
    body = args[0]!;
    status = args[1];
  } else {
    throw h.argErr();
  }

  let close = false;
  while (h.nextBlock(0)) {
    switch (h.val()) {
      case 'body': {
        if (body !== '') throw h.err('body already specified');
        const a = h.allArgs(1);
        if (!a) throw h.argErr();
        body = a[0]!;
        break;
      }
      case 'close':
        if (close) throw h.err('close already specified');
        close = true;
        break;
      default:
        throw h.err(`unrecognized subdirective '${h.val()}'`);
    }
  }

  const out: StaticResponseConfig = { handler: 'static_response' };
  if (status) out.status_code = weakString(status);
  if (body) out.body = body;
  if (close) out.close = true;
  return out;
});
