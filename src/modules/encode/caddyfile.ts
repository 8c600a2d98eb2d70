/**
 * encode [<matcher>] <formats...> {
 *     gzip           [<level>]
 *     zstd           [<level>] { level <level>; checksum [<bool>]; disable_checksum }
 *     br             [<quality>]
 *     minimum_length <length>
 *     match          { status <code...>; header <field> [<value>] }
 * }
 *
 * Formats named on the first line use their defaults; formats written as
 * subdirectives are configured there. Without any format, Caddy uses
 * `zstd gzip`. The preference order is the order of appearance (block
 * formats first, as Caddy records them). The default response match (which
 * content types get compressed) is applied by the handler, not written here,
 * exactly like Caddy.
 */
import type { Dispenser } from '../../caddyfile/dispenser.js';
import type { ResponseMatcherJSON } from '../headers/caddyfile_ops.js';
import { handlerDirective } from '../../adapt/registry.js';
import { parseNamedResponseMatcher } from '../headers/caddyfile_response_matcher.js';
import { atoi, parseBool } from '../../go/units.js';
import type { BrotliConfig, EncodeConfig, EncodingsConfig, GzipConfig, ZstdConfig } from './config.js';

type EncoderJSON = GzipConfig | ZstdConfig | BrotliConfig;
type EncoderParser = (d: Dispenser) => EncoderJSON;

const zstdLevels = ['fastest', 'default', 'better', 'best'];

/** Encoders by name (Caddy's http.encoders.* modules; `br` is a tsweb addition, Node ships brotli). */
const encoders: Record<string, EncoderParser> = {
  gzip(d) {
    d.next(); // option name
    if (!d.nextArg()) return {};
    try {
      return { level: atoi(d.val()) };
    } catch (e) {
      throw d.err((e as Error).message);
    }
  },
  zstd(d) {
    d.next(); // option name
    const out: ZstdConfig = {};
    const levelErr = (): Error =>
      d.err("unexpected compression level, use one of 'fastest', 'better', 'best', 'default'");
    const args = d.remainingArgs();
    if (args.length > 1) throw d.argErr();
    if (args.length === 1) {
      if (!zstdLevels.includes(args[0]!)) throw levelErr();
      out.level = args[0] as ZstdConfig['level'];
    }
    for (const nesting = d.getNesting(); d.nextBlock(nesting); ) {
      switch (d.val()) {
        case 'level': {
          const a = d.remainingArgs();
          if (a.length !== 1) throw d.argErr();
          if (out.level !== undefined) throw d.err('compression level already specified');
          if (!zstdLevels.includes(a[0]!)) throw levelErr();
          out.level = a[0] as ZstdConfig['level'];
          break;
        }
        case 'checksum': {
          const a = d.remainingArgs();
          if (a.length > 1) throw d.argErr();
          if (out.checksum !== undefined) throw d.err('checksum already specified');
          let enabled = true;
          if (a.length === 1) {
            try {
              enabled = parseBool(a[0]!);
            } catch {
              throw d.err(`parsing checksum: invalid boolean value ${JSON.stringify(a[0])}`);
            }
          }
          out.checksum = enabled;
          break;
        }
        case 'disable_checksum':
          if (d.nextArg()) throw d.argErr();
          if (out.checksum !== undefined) throw d.err('checksum already specified');
          out.checksum = false;
          break;
        default:
          throw d.err(`unknown subdirective '${d.val()}'`);
      }
    }
    return out;
  },
  br(d) {
    d.next(); // option name
    if (!d.nextArg()) return {};
    let q: number;
    try {
      q = atoi(d.val());
    } catch (e) {
      throw d.err((e as Error).message);
    }
    if (q < 0 || q > 11) throw d.err(`brotli quality must be between 0 and 11, got ${q}`);
    if (d.nextArg()) throw d.argErr();
    return { quality: q };
  },
};

export const encodeDirective = handlerDirective('encode', (h) => {
  h.next(); // directive name
  const prefer: string[] = [];
  let formats = h.remainingArgs();
  // By name as written; only names of EncodingsConfig get past the check below.
  const encodings: Record<string, EncoderJSON> = {};
  let minLength: number | undefined;
  let match: ResponseMatcherJSON | undefined;

  while (h.nextBlock(0)) {
    const name = h.val();
    switch (name) {
      case 'minimum_length': {
        if (!h.nextArg()) throw h.argErr();
        try {
          minLength = atoi(h.val());
        } catch (e) {
          throw h.err((e as Error).message);
        }
        break;
      }
      case 'match': {
        const matchers: Record<string, ResponseMatcherJSON> = {};
        parseNamedResponseMatcher(h.newFromNextSegment(), matchers);
        match = matchers['match'];
        break;
      }
      default: {
        const parse = encoders[name];
        if (!parse) {
          throw h.err(`getting module named 'http.encoders.${name}': module not registered: http.encoders.${name}`);
        }
        encodings[name] = parse(h.newFromNextSegment());
        prefer.push(name);
      }
    }
  }

  if (prefer.length === 0 && formats.length === 0) formats = ['zstd', 'gzip'];
  for (const f of formats) {
    if (!encoders[f]) throw h.err(`finding encoder module '': module not registered: http.encoders.${f}`);
    encodings[f] = {};
    prefer.push(f);
  }

  const out: EncodeConfig = { handler: 'encode', encodings: encodings as EncodingsConfig };
  if (prefer.length) out.prefer = prefer;
  if (minLength) out.minimum_length = minLength;
  if (match) out.match = match;
  return out;
});
