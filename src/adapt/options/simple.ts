/**
 * The global options that are one parser and nothing else: flags, single
 * strings, durations, ports and argument lists, registered from one table.
 * Each parser gets the option's segment with the cursor before the option
 * name, like Caddy's option parsers; options with more to them keep a file.
 */
import type { Dispenser } from '../../caddyfile/dispenser.js';
import { atoi, parseCaddyDuration } from '../../go/units.js';
import { type GlobalOptionParser, registerGlobalOption } from '../registry.js';

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

/** `<option> <duration>`, kept as nanoseconds like caddy.Duration. */
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

/** `<option> <args...>`: one or more arguments. */
export function parseOptArgs(d: Dispenser): string[] {
  d.next();
  const args = d.remainingArgs();
  if (args.length === 0) throw d.argErr();
  return args;
}

const SIMPLE_OPTIONS: Array<[string, GlobalOptionParser]> = [
  ['acme_ca', parseOptSingleString],
  ['acme_ca_root', parseOptSingleString],
  ['cert_lifetime', parseOptDuration],
  ['debug', parseOptTrue], // the default logger logs at DEBUG level
  ['default_sni', parseOptSingleString],
  ['email', parseOptSingleString],
  ['fallback_sni', parseOptSingleString],
  ['grace_period', parseOptDuration],
  ['http_port', parseOptPort], // also the port of HTTP->HTTPS redirects
  ['https_port', parseOptPort],
  ['key_type', parseOptSingleString],
  ['local_certs', parseOptTrue],
  ['ocsp_interval', parseOptDuration],
  ['renew_interval', parseOptDuration],
  ['shutdown_delay', parseOptDuration],
  ['skip_install_trust', parseOptTrue],
  ['tls_resolvers', parseOptArgs], // DNS resolvers for the TLS app (e.g. DNS challenge propagation checks)
];

for (const [name, parse] of SIMPLE_OPTIONS) registerGlobalOption(name, parse);
