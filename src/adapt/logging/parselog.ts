import type { Dispenser } from '../../caddyfile/dispenser.js';
import { moduleObject } from '../../go/json.js';
import { atoi, parseCaddyDuration } from '../../go/units.js';
import type { NamedCustomLog } from '../pairing.js';
import { unmarshalModule } from '../tls/modules.js';
import type { ConfigValue, JSONObject } from '../types.js';
import { parseEncoderRef } from './encoders.js';
import './writers.js';

/** Caddy's name for the default logger (caddy.DefaultLoggerName). */
export const DEFAULT_LOGGER_NAME = 'default';

const STD_WRITERS = new Set(['stdout', 'stderr', 'discard']);

export interface LogParseContext {
  /** Set for the global `log` option: names already used by earlier `log` options. */
  globalNames?: Set<string>;
  /** For the directive: the next automatic logger name ("log0", "log1", ...). */
  nextLogName?: () => string;
}

/**
 * The `log` directive and the global `log` option (Caddy's parseLogHelper).
 * Syntax:
 *
 *     log [<logger_name>] {
 *         hostnames <hostnames...>   (directive only)
 *         no_hostname                (directive only)
 *         output    <writer_module> ...
 *         format    <encoder_module> ...
 *         core      <core_module> ...
 *         level     <level>
 *         sampling  { interval <duration>  first <n>  thereafter <n> }
 *         include   <namespaces...>  (global option only)
 *         exclude   <namespaces...>  (global option only)
 *     }
 *
 * The dispenser is on the `log` token. Returns one 'custom_log' value.
 */
export function parseLogHelper(d: Dispenser, ctx: LogParseContext): ConfigValue[] {
  const asGlobal = ctx.globalNames !== undefined;
  let logName = '';
  if (d.nextArg()) {
    logName = d.val();
    if (d.nextArg()) throw d.argErr();
  } else if (asGlobal) {
    logName = DEFAULT_LOGGER_NAME;
  }
  if (asGlobal) {
    if (ctx.globalNames!.has(logName)) throw d.err(`duplicate global log option for: ${logName}`);
    ctx.globalNames!.add(logName);
  }

  const cl: JSONObject = {};
  const hostnames: string[] = [];
  let noHostname = false;
  for (const n = d.getNesting(); d.nextBlock(n); ) {
    const sub = d.val();
    switch (sub) {
      case 'hostnames': {
        if (asGlobal) throw d.err('hostnames is not allowed in the log global options');
        const args = d.remainingArgs();
        if (args.length === 0) throw d.argErr();
        hostnames.push(...args);
        break;
      }
      case 'output': {
        if (!d.nextArg()) throw d.argErr();
        const name = d.val();
        let writer: JSONObject;
        if (STD_WRITERS.has(name)) {
          writer = {};
          if (d.nextArg()) throw d.argErr();
        } else {
          writer = unmarshalModule(d, `caddy.logging.writers.${name}`);
        }
        cl.writer = moduleObject(writer, 'output', name);
        break;
      }
      case 'sampling':
        cl.sampling = parseSampling(d.newFromNextSegment());
        break;
      case 'core': {
        if (!d.nextArg()) throw d.argErr();
        const name = d.val();
        cl.core = moduleObject(unmarshalModule(d, `caddy.logging.cores.${name}`), 'module', name);
        break;
      }
      case 'format':
        if (!d.nextArg()) throw d.argErr();
        cl.encoder = parseEncoderRef(d);
        break;
      case 'level':
        if (!d.nextArg()) throw d.argErr();
        cl.level = d.val();
        if (d.nextArg()) throw d.argErr();
        break;
      case 'include':
        if (!asGlobal) throw d.err('include is not allowed in the log directive');
        cl.include = [...((cl.include as string[]) ?? []), ...d.remainingArgs()];
        break;
      case 'exclude':
        if (!asGlobal) throw d.err('exclude is not allowed in the log directive');
        cl.exclude = [...((cl.exclude as string[]) ?? []), ...d.remainingArgs()];
        break;
      case 'no_hostname':
        if (d.nextArg()) throw d.argErr();
        noHostname = true;
        break;
      default:
        throw d.err(`unrecognized subdirective: ${sub}`);
    }
  }

  const isEmpty = Object.keys(cl).length === 0;
  const val: NamedCustomLog = { name: '', hostnames, log: null, noHostname };
  if (asGlobal) {
    val.name = logName;
  } else {
    if (logName !== '') val.name = logName;
    else if (!isEmpty && ctx.nextLogName) val.name = ctx.nextLogName();
    if (val.name !== '') cl.include = [`http.log.access.${val.name}`];
  }
  if (!isEmpty) val.log = orderCustomLog(cl);
  return [{ class: 'custom_log', value: val }];
}

/** `sampling { interval <duration>  first <n>  thereafter <n> }` (the dispenser holds the segment). */
function parseSampling(d: Dispenser): JSONObject {
  d.next();
  while (d.nextArg()) {
    // Caddy ignores tokens on the opening line
  }
  const s: JSONObject = {};
  for (const n = d.getNesting(); d.nextBlock(n); ) {
    const sub = d.val();
    switch (sub) {
      case 'interval':
        if (!d.nextArg()) throw d.argErr();
        try {
          s.interval = parseCaddyDuration(d.val());
        } catch (e) {
          throw d.err(`failed to parse interval: ${(e as Error).message}`);
        }
        break;
      case 'first':
      case 'thereafter':
        if (!d.nextArg()) throw d.argErr();
        try {
          s[sub] = atoi(d.val());
        } catch (e) {
          throw d.err(`failed to parse ${sub}: ${(e as Error).message}`);
        }
        break;
      default:
        throw d.err(`unrecognized subdirective: ${sub}`);
    }
  }
  return s;
}

/** caddy.CustomLog's field order: writer, encoder, core, level, sampling, include, exclude. */
export function orderCustomLog(cl: JSONObject): JSONObject {
  const out: JSONObject = {};
  for (const k of ['writer', 'encoder', 'core', 'level', 'sampling', 'include', 'exclude']) {
    if (cl[k] !== undefined) out[k] = cl[k];
  }
  return out;
}
