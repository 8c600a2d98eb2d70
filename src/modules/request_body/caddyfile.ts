/**
 * request_body [<matcher>] {
 *     max_size      <size>
 *     read_timeout  <duration>
 *     write_timeout <duration>
 *     set           <body>
 * }
 */
import { handlerDirective } from '../../adapt/registry.js';
import { parseBytes, parseGoDuration } from '../../go/units.js';
import type { RequestBodyConfig } from './config.js';

export const requestBodyDirective = handlerDirective('request_body', (h) => {
  h.next(); // directive name
  const out: RequestBodyConfig = { handler: 'request_body' };
  while (h.nextBlock(0)) {
    const sub = h.val();
    const a = h.allArgs(1);
    switch (sub) {
      case 'max_size': {
        if (!a) throw h.argErr();
        try {
          const n = parseBytes(a[0]!);
          if (n) out.max_size = n;
        } catch (e) {
          throw h.err(`parsing max_size: ${(e as Error).message}`);
        }
        break;
      }
      case 'read_timeout':
      case 'write_timeout': {
        if (!a) throw h.argErr();
        try {
          const ns = parseGoDuration(a[0]!);
          if (ns) out[sub] = ns;
        } catch (e) {
          throw h.err(`parsing ${sub}: ${(e as Error).message}`);
        }
        break;
      }
      case 'set':
        if (!a) throw h.argErr();
        if (a[0]) out.set = a[0];
        break;
      default:
        throw h.err(`unrecognized request_body subdirective '${sub}'`);
    }
  }
  return out;
});
