/**
 * push [<matcher>] [<resource>] {
 *     [GET|HEAD] <resource>
 *     headers {
 *         [+]<field> [<value|regexp> [<replacement>]]
 *         -<field>
 *     }
 * }
 *
 * HTTP/2 server push of the listed resources; `headers` edits the headers of
 * the synthetic push requests with the request_header syntax.
 */
import { caddyfileHeaderOp, orderedHeaderOps, type HeaderOps } from '../headers/caddyfile_ops.js';
import { handlerDirective } from '../../adapt/registry.js';
import type { JSONObject } from '../../adapt/types.js';

export const pushDirective = handlerDirective('push', (h) => {
  h.next(); // directive name
  const resources: JSONObject[] = [];
  let headers: HeaderOps | undefined;
  if (h.nextArg()) resources.push({ target: h.val() });

  while (h.nextBlock(0)) {
    switch (h.val()) {
      case 'headers':
        if (h.nextArg()) throw h.argErr();
        for (const n = h.getNesting(); h.nextBlock(n); ) {
          // The field is this line's first token.
          const args = [h.val(), ...h.remainingArgs()];
          if (args.length > 3) throw h.argErr();
          headers ??= {};
          const err = caddyfileHeaderOp(headers, args[0]!, args[1] ?? '', args[2]);
          if (err) throw h.err(err);
        }
        break;
      case 'GET':
      case 'HEAD': {
        const method = h.val();
        if (!h.nextArg()) throw h.argErr();
        resources.push({ method, target: h.val() });
        break;
      }
      default:
        resources.push({ target: h.val() });
    }
  }

  const out: JSONObject = { handler: 'push' };
  if (resources.length) out.resources = resources;
  if (headers) out.headers = orderedHeaderOps(headers);
  return out as { handler: string };
});
