import type { Dispenser } from '../../caddyfile/dispenser.js';
import { atoi, parseBytes, parseCaddyDuration } from '../../go/units.js';
import { registerModule } from '../tls/modules.js';
import type { JSONObject } from '../types.js';

/** chmod-style mode of 1 to 4 octal digits, marshaled as 4 digits ("0644"). */
function fileMode(d: Dispenser, s: string): string {
  if (!/^[0-7]{1,4}$/.test(s)) throw d.err(`parsing mode: strconv.ParseUint: parsing "${s.padStart(4, '0')}": invalid syntax`);
  return s.padStart(4, '0');
}

function oneArg(d: Dispenser): string {
  const a = d.allArgs(1);
  if (!a) throw d.argErr();
  return a[0]!;
}

/**
 * Syntax:
 *
 *     file <filename> {
 *         mode          <mode>
 *         dir_mode      <mode>|from_file
 *         roll_disabled
 *         roll_size     <size>
 *         roll_interval <duration>
 *         roll_minutes  <minutes...>
 *         roll_at       <times...>
 *         roll_uncompressed
 *         roll_compression none|gzip|zstd
 *         roll_local_time
 *         roll_keep     <num>
 *         roll_keep_for <days>
 *         backup_time_format <format>
 *     }
 *
 * roll_size has megabyte resolution (rounded up to whole MiB); roll_keep_for
 * has day resolution (rounded up). Lists accept spaces or commas.
 */
export function parseFileWriter(d: Dispenser): JSONObject {
  d.next();
  if (!d.nextArg()) throw d.argErr();
  const fw: JSONObject = { filename: d.val() };
  if (d.nextArg()) throw d.argErr();
  const list = (): string[] => {
    const vals = d
      .remainingArgs()
      .flatMap((v) => v.split(','))
      .map((v) => v.trim())
      .filter((v) => v !== '');
    if (vals.length === 0) throw d.argErr();
    return vals;
  };
  for (const n = d.getNesting(); d.nextBlock(n); ) {
    const opt = d.val();
    switch (opt) {
      case 'mode':
        fw.mode = fileMode(d, oneArg(d));
        break;
      case 'dir_mode': {
        const s = oneArg(d);
        fw.dir_mode = s === 'from_file' ? s : fileMode(d, s);
        break;
      }
      case 'roll_disabled':
        if (d.nextArg()) throw d.argErr();
        fw.roll = false;
        break;
      case 'roll_size': {
        const s = oneArg(d);
        let size: number;
        try {
          size = parseBytes(s);
        } catch (e) {
          throw d.err(`parsing size: ${(e as Error).message}`);
        }
        fw.roll_size_mb = Math.ceil(size / (1024 * 1024));
        break;
      }
      case 'roll_uncompressed':
        if (d.nextArg()) throw d.argErr();
        fw.roll_gzip = false;
        break;
      case 'roll_compression': {
        const s = oneArg(d);
        if (!['none', 'gzip', 'zstd'].includes(s)) throw d.err(`unrecognized compression algorithm: ${s}`);
        fw.roll_compression = s;
        break;
      }
      case 'roll_local_time':
        if (d.nextArg()) throw d.argErr();
        fw.roll_local_time = true;
        break;
      case 'roll_keep': {
        const s = oneArg(d);
        try {
          fw.roll_keep = atoi(s);
        } catch (e) {
          throw d.err(`parsing roll_keep number: ${(e as Error).message}`);
        }
        break;
      }
      case 'roll_keep_for': {
        const s = oneArg(d);
        let ns: number;
        try {
          ns = parseCaddyDuration(s);
        } catch (e) {
          throw d.err(`parsing roll_keep_for duration: ${(e as Error).message}`);
        }
        if (ns < 0) throw d.err(`negative roll_keep_for duration: ${s}`);
        fw.roll_keep_days = Math.ceil(ns / 86400e9);
        break;
      }
      case 'roll_interval': {
        const s = oneArg(d);
        try {
          fw.roll_interval = parseCaddyDuration(s);
        } catch (e) {
          throw d.err(`parsing roll_interval duration: ${(e as Error).message}`);
        }
        break;
      }
      case 'roll_minutes':
        fw.roll_minutes = list().map((m) => {
          let v: number;
          try {
            v = atoi(m);
          } catch (e) {
            throw d.err(`parsing roll_minutes number: ${(e as Error).message}`);
          }
          if (v < 0 || v > 59) throw d.err(`invalid roll_minutes value ${v}: must be between 0 and 59`);
          return v;
        });
        break;
      case 'roll_at':
        fw.roll_at = list().map((t) => {
          if (!/^([01]\d|2[0-3]):[0-5]\d$/.test(t)) throw d.err(`invalid roll_at time '${t}': must be HH:MM`);
          return t;
        });
        break;
      case 'backup_time_format':
        fw.backup_time_format = oneArg(d);
        break;
      default:
        throw d.err(`unrecognized subdirective: ${opt}`);
    }
  }
  return fw;
}

/**
 * Syntax:
 *
 *     net <address> {
 *         dial_timeout <duration>
 *         soft_start
 *     }
 */
export function parseNetWriter(d: Dispenser): JSONObject {
  d.next();
  if (!d.nextArg()) throw d.argErr();
  const nw: JSONObject = { address: d.val() };
  if (d.nextArg()) throw d.argErr();
  for (const n = d.getNesting(); d.nextBlock(n); ) {
    switch (d.val()) {
      case 'dial_timeout': {
        const s = oneArg(d);
        let ns: number;
        try {
          ns = parseCaddyDuration(s);
        } catch (e) {
          throw d.err(`invalid duration: ${s}`);
        }
        if (ns < 0) throw d.err(`timeout cannot be less than 0: ${s}`);
        nw.dial_timeout = ns;
        break;
      }
      case 'soft_start':
        if (d.nextArg()) throw d.argErr();
        nw.soft_start = true;
        break;
      default:
        throw d.err(`unrecognized subdirective '${d.val()}'`);
    }
  }
  return nw;
}

registerModule('caddy.logging.writers.file', parseFileWriter);
registerModule('caddy.logging.writers.net', parseNetWriter);
