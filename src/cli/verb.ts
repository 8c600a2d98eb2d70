import { UsageError } from './flags.js';
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
