/**
 * `tsweb build-info`: Caddy's `caddy build-info`, which prints Go's
 * debug.BuildInfo (toolchain, main module, dependencies, build settings);
 * here the Node.js runtime, tsweb itself, the packages bundled into it and
 * how it was built, in the same tab-separated layout.
 */
import { isSea } from 'node:sea';
import pkg from '../../package.json' with { type: 'json' };
import type { Command } from './command.js';
import { flagsHelp } from './flags.js';
import { type CliIO, processIO } from './io.js';
import { runFlagsVerb } from './verb.js';

const usage = `Prints information about this build: the Node.js runtime, tsweb's version,
the packages bundled into it, and how it was built.

Usage:
  tsweb build-info

Flags:
${flagsHelp([])}
`;

export function buildInfo(): string {
  const lines = [`node\t${process.version}`, `path\t${pkg.name}`, `mod\t${pkg.name}\tv${pkg.version}`];
  // Every runtime dependency is bundled in; `node` is the runtime itself, listed above.
  for (const [name, version] of Object.entries(pkg.dependencies)) if (name !== 'node') lines.push(`dep\t${name}\tv${version}`);
  lines.push(`build\tsea=${isSea()}`, `build\tplatform=${process.platform}`, `build\tarch=${process.arch}`);
  return `${lines.join('\n')}\n`;
}

export async function runBuildInfo(args: string[], io: CliIO): Promise<number> {
  return runFlagsVerb(io, usage, args, [], async () => {
    io.stdout(buildInfo());
    return 0;
  });
}

export const command: Command = {
  name: 'build-info',
  summary: 'Prints information about this build',
  usage,
  run: (args) => runBuildInfo(args, processIO()),
};
