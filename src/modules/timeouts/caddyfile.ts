/**
 * timeouts [<matcher>] {
 *     read_timeout    <duration> [<min_bytes_per_second>]
 *     write_timeout   <duration> [<min_bytes_per_second>]
 *     max_write_chunk <size>
 * }
 *
 * Per-route idle timeouts and minimum transfer rates (Caddy's http.handlers.timeouts).
 */
import { handlerDirective } from '../../adapt/registry.js';
import type { JSONObject } from '../../adapt/types.js';
import { parseBytes, parseGoDuration } from '../../go/units.js';

export const timeoutsDirective = handlerDirective('timeouts', (h) => {
  h.next(); // directive name
  let read: number | undefined;
  let readRate: number | undefined;
  let write: number | undefined;
  let writeRate: number | undefined;
  let chunk: number | undefined;
  while (h.nextBlock(0)) {
    const sub = h.val();
    switch (sub) {
      case 'read_timeout':
      case 'write_timeout': {
        const args = h.remainingArgs();
        if (args.length < 1 || args.length > 2) throw h.argErr();
        let ns: number;
        try {
          ns = parseGoDuration(args[0]!);
        } catch (e) {
          throw h.err(`parsing ${sub}: ${(e as Error).message}`);
        }
        let rate: number | undefined;
        if (args.length === 2) {
          if (!/^[+-]?\d+$/.test(args[1]!)) {
            throw h.err(`parsing ${sub} min_rate: strconv.ParseInt: parsing ${JSON.stringify(args[1])}: invalid syntax`);
          }
          rate = Number(args[1]);
        }
        if (sub === 'read_timeout') [read, readRate] = [ns, rate];
        else [write, writeRate] = [ns, rate];
        break;
      }
      case 'max_write_chunk': {
        const a = h.allArgs(1);
        if (!a) throw h.argErr();
        try {
          chunk = parseBytes(a[0]!);
        } catch (e) {
          throw h.err(`parsing max_write_chunk: ${(e as Error).message}`);
        }
        break;
      }
      default:
        throw h.err(`unrecognized timeouts subdirective '${sub}'`);
    }
  }
  const out: JSONObject = { handler: 'timeouts' };
  if (read) out.read_timeout = read;
  if (readRate) out.read_min_rate = readRate;
  if (write) out.write_timeout = write;
  if (writeRate) out.write_min_rate = writeRate;
  if (chunk) out.max_write_chunk = chunk;
  return out as { handler: string };
});
