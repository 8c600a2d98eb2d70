import type { Dispenser } from '../../caddyfile/dispenser.js';
import { moduleObject } from '../../go/json.js';
import { atoi } from '../../go/units.js';
import { registerModule, unmarshalModule } from '../tls/modules.js';
import type { JSONObject } from '../types.js';

const ENCODER_KEYS: Record<string, string> = {
  message_key: 'message_key',
  level_key: 'level_key',
  time_key: 'time_key',
  name_key: 'name_key',
  caller_key: 'caller_key',
  stacktrace_key: 'stacktrace_key',
  line_ending: 'line_ending',
  time_format: 'time_format',
  duration_format: 'duration_format',
  level_format: 'level_format',
};

/**
 * `console|json { message_key <key> ... time_local ... }`: zap's encoder
 * settings (Caddy's LogEncoderConfig).
 */
function parseStdEncoder(d: Dispenser): JSONObject {
  d.next();
  if (d.nextArg()) throw d.argErr();
  const enc: JSONObject = {};
  for (const n = d.getNesting(); d.nextBlock(n); ) {
    const sub = d.val();
    if (sub === 'time_local') {
      if (d.nextArg()) throw d.argErr();
      enc.time_local = true;
      continue;
    }
    const a = d.allArgs(1);
    if (!a) throw d.argErr();
    const key = ENCODER_KEYS[sub];
    if (!key) throw d.err(`unrecognized subdirective ${sub}`);
    enc[key] = a[0];
  }
  return enc;
}

/** Parses `<encoder_name> ...` at the current token into `{"format": name, ...}`. */
export function parseEncoderRef(d: Dispenser): JSONObject {
  const name = d.val();
  return moduleObject(unmarshalModule(d, `caddy.logging.encoders.${name}`), 'format', name);
}

/** Parses `<field> <filter_name> ...` at the current token into [field, filter]. */
function parseFieldFilter(d: Dispenser): [string, JSONObject] {
  const field = d.val();
  if (!d.nextArg()) throw d.argErr();
  const name = d.val();
  return [field, moduleObject(unmarshalModule(d, `caddy.logging.encoders.filter.${name}`), 'filter', name)];
}

/**
 * The filter and append encoders share one syntax and differ only in what a
 * field line holds (a filter module, or a value):
 *
 *     filter|append {
 *         wrap <another encoder>
 *         fields {
 *             <field> <filter or value>
 *         }
 *         <field> <filter or value>
 *     }
 */
function parseWrapperWithFields(d: Dispenser, parseField: (d: Dispenser) => [string, unknown]): JSONObject {
  d.next();
  if (d.nextArg()) throw d.argErr();
  const enc: JSONObject = {};
  const fields: JSONObject = {};
  const field = () => {
    const [name, value] = parseField(d);
    fields[name] = value;
  };
  for (const n = d.getNesting(); d.nextBlock(n); ) {
    switch (d.val()) {
      case 'wrap':
        if (!d.nextArg()) throw d.argErr();
        enc.wrap = parseEncoderRef(d);
        break;
      case 'fields':
        for (const m = d.getNesting(); d.nextBlock(m); ) field();
        break;
      default:
        field();
    }
  }
  if (Object.keys(fields).length > 0) enc.fields = fields;
  return enc;
}

/** An append field line: `<field> <value>`. */
function appendField(d: Dispenser): [string, string] {
  const name = d.val();
  const a = d.allArgs(1);
  if (!a) throw d.argErr();
  return [name, a[0]!];
}

/** `journald { wrap <encoder> }`: prefixes each line with the syslog priority. */
function parseJournaldEncoder(d: Dispenser): JSONObject {
  d.next();
  if (d.nextArg()) throw d.argErr();
  const enc: JSONObject = {};
  for (const n = d.getNesting(); d.nextBlock(n); ) {
    if (d.val() !== 'wrap') throw d.err(`unrecognized subdirective ${d.val()}`);
    if (!d.nextArg()) throw d.argErr();
    enc.wrap = parseEncoderRef(d);
  }
  return enc;
}

registerModule('caddy.logging.encoders.json', parseStdEncoder);
registerModule('caddy.logging.encoders.console', parseStdEncoder);
registerModule('caddy.logging.encoders.filter', (d) => parseWrapperWithFields(d, parseFieldFilter));
registerModule('caddy.logging.encoders.append', (d) => parseWrapperWithFields(d, appendField));
registerModule('caddy.logging.encoders.journald', parseJournaldEncoder);

// Field filters (caddy.logging.encoders.filter.*).

function noArgs(d: Dispenser): JSONObject {
  d.next();
  if (d.nextArg()) throw d.argErr();
  return {};
}

function cidr(d: Dispenser, s: string): number {
  try {
    return atoi(s);
  } catch (e) {
    throw d.err(`error parsing ${s}: ${(e as Error).message}`);
  }
}

registerModule('caddy.logging.encoders.filter.delete', noArgs);
registerModule('caddy.logging.encoders.filter.hash', noArgs);
registerModule('caddy.logging.encoders.filter.replace', (d) => {
  d.next();
  const out: JSONObject = {};
  if (d.nextArg()) out.value = d.val();
  if (d.nextArg()) throw d.argErr();
  return out;
});
registerModule('caddy.logging.encoders.filter.rename', (d) => {
  d.next();
  if (!d.nextArg()) throw d.argErr();
  const out: JSONObject = { name: d.val() };
  if (d.nextArg()) throw d.argErr();
  return out;
});
registerModule('caddy.logging.encoders.filter.regexp', (d) => {
  d.next();
  if (!d.nextArg()) throw d.argErr();
  const out: JSONObject = { regexp: d.val() };
  if (d.nextArg()) out.value = d.val();
  if (d.nextArg()) throw d.argErr();
  return out;
});
registerModule('caddy.logging.encoders.filter.multi_regexp', (d) => {
  d.next();
  const operations: JSONObject[] = [];
  for (const n = d.getNesting(); d.nextBlock(n); ) {
    if (d.val() !== 'regexp') throw d.err(`unrecognized subdirective ${d.val()}`);
    const a = d.allArgs(2);
    if (!a) throw d.argErr();
    operations.push({ regexp: a[0], value: a[1] });
  }
  return { operations };
});
registerModule('caddy.logging.encoders.filter.ip_mask', (d) => {
  d.next();
  const out: JSONObject = {};
  const args = d.remainingArgs();
  if (args.length > 2) throw d.err('too many arguments');
  if (args[0] !== undefined) out.ipv4_cidr = cidr(d, args[0]);
  if (args[1] !== undefined) out.ipv6_cidr = cidr(d, args[1]);
  for (const n = d.getNesting(); d.nextBlock(n); ) {
    const sub = d.val();
    if (sub !== 'ipv4' && sub !== 'ipv6') throw d.err(`unrecognized subdirective ${sub}`);
    if (!d.nextArg()) throw d.argErr();
    out[`${sub}_cidr`] = cidr(d, d.val());
  }
  return out;
});

/** query/cookie filters: `replace <name> <value>`, `hash <name>`, `delete <name>` lines. */
function actionsFilter(nameKey: string) {
  return (d: Dispenser): JSONObject => {
    d.next();
    const actions: JSONObject[] = [];
    for (const n = d.getNesting(); d.nextBlock(n); ) {
      const type = d.val();
      if (type === 'replace') {
        const a = d.allArgs(2);
        if (!a) throw d.argErr();
        actions.push({ [nameKey]: a[0], type, value: a[1] });
      } else if (type === 'hash' || type === 'delete') {
        const a = d.allArgs(1);
        if (!a) throw d.argErr();
        actions.push({ [nameKey]: a[0], type });
      } else {
        throw d.err(`unrecognized subdirective ${type}`);
      }
    }
    return { actions };
  };
}
registerModule('caddy.logging.encoders.filter.query', actionsFilter('parameter'));
registerModule('caddy.logging.encoders.filter.cookie', actionsFilter('name'));
