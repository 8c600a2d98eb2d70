import type { Dispenser } from '../../caddyfile/dispenser.js';
import { atoi, parseCaddyDuration } from '../../go/units.js';

// Parsers shared by several global options. Each gets the option's segment
// with the cursor before the option name, like Caddy's option parsers.

/** A flag option with no arguments (`debug`, `local_certs`, ...). */
export function parseOptTrue(_d: Dispenser): true {
  // Caddy ignores anything after a flag option's name.
  return true;
}

/** `<option> <value>`: exactly one argument. */
export function parseOptSingleString(d: Dispenser): string {
  d.next();
  if (!d.nextArg()) throw d.argErr();
  const val = d.val();
  if (d.nextArg() || d.nextBlock(d.getNesting())) throw d.argErr();
  return val;
}

/** `<option> <duration>` as nanoseconds (caddy.Duration). */
export function parseOptDuration(d: Dispenser): number {
  d.next();
  if (!d.nextArg()) throw d.argErr();
  const s = d.val();
  if (d.nextArg()) throw d.argErr();
  try {
    return parseCaddyDuration(s);
  } catch (e) {
    throw d.err((e as Error).message);
  }
}

/** `http_port`/`https_port`: an integer port. */
export function parseOptPort(d: Dispenser): number {
  d.next();
  const a = d.allArgs(1);
  if (!a) throw d.argErr();
  try {
    return atoi(a[0]!);
  } catch (e) {
    throw d.err(`converting port '${a[0]}' to integer value: ${(e as Error).message}`);
  }
}
