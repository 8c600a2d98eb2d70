/**
 * `tsweb version`: like `caddy version`, one line; since tsweb runs on
 * Node.js, the runtime's version is part of what was built.
 */
import pkg from '../../package.json' with { type: 'json' };
import type { Command } from './command.js';
import { flagsHelp } from './flags.js';
import { type CliIO, processIO } from './io.js';
import { runFlagsVerb } from './verb.js';

const usage = `Prints the version of this tsweb binary and of the Node.js runtime it runs on.

Usage:
  tsweb version

Flags:
${flagsHelp([])}
`;

export function versionString(): string {
  return `v${pkg.version} (Node.js ${process.version})`;
}

export async function runVersion(args: string[], io: CliIO): Promise<number> {
  return runFlagsVerb(io, usage, args, [], async () => {
    io.stdout(`${versionString()}\n`);
    return 0;
  });
}

export const command: Command = {
  name: 'version',
  summary: 'Prints the version',
  usage,
  run: (args) => runVersion(args, processIO()),
};
