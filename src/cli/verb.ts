import { type FlagSpec, type ParsedFlags, parseFlags, UsageError } from './flags.js';
import type { CliIO } from './io.js';
import { ConfigError } from './errors.js';

/**
 * Runs a verb's body and turns its expected failures into Caddy-style output
 * and exit codes: usage errors print the verb's usage and exit 2, config
 * errors print `Error: ...` and exit 1. Anything else is a bug and propagates.
 */
export async function runVerb(io: CliIO, usage: string, body: () => Promise<number>): Promise<number> {
  try {
    return await body();
  } catch (err) {
    if (err instanceof UsageError) {
      io.stderr(`Error: ${err.message}\n\n${usage}`);
      return 2;
    }
    if (err instanceof ConfigError) {
      io.stderr(`Error: ${err.message}\n`);
      return 1;
    }
    throw err;
  }
}

/**
 * runVerb for a verb that takes flags and no arguments: `--help` prints the
 * usage, a stray argument is a usage error, and the body gets the flags.
 */
export async function runFlagsVerb(
  io: CliIO,
  usage: string,
  args: readonly string[],
  flags: readonly FlagSpec[],
  body: (opts: ParsedFlags) => Promise<number>,
): Promise<number> {
  return runVerb(io, usage, async () => {
    const opts = parseFlags(args, flags);
    if (opts.help) {
      io.stdout(usage);
      return 0;
    }
    if (opts.positional.length) throw new UsageError(`unexpected argument: ${opts.positional[0]}`);
    return body(opts);
  });
}
