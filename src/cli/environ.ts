/**
 * `tsweb environ`: Caddy's `caddy environ` (cmd/main.go printEnvironment):
 * the directories and version the process uses, the platform it runs on,
 * then every environment variable, as this process sees them (after
 * --envfile). `tsweb run --environ` prints the same before starting.
 */
import { availableParallelism } from 'node:os';
import { appConfigDir, appDataDir, autosavePath } from '../admin/autosave.js';
import type { Command } from './command.js';
import { loadEnvFiles } from './envfile.js';
import { type FlagSpec, flagsHelp } from './flags.js';
import { type CliIO, processIO } from './io.js';
import { runFlagsVerb } from './verb.js';
import { versionString } from './version.js';

const flags: FlagSpec[] = [{ name: 'envfile', type: 'list', valueName: 'file', help: 'Environment file(s) to load' }];

const usage = `Prints the environment as seen by this tsweb process.

The environment includes variables set in the system. If your configuration
uses environment variables (e.g. "{env.VARIABLE}") then this command can be
useful for verifying that the variables will have the values you expect in
your config.

If --envfile is specified, an environment file with environment variables
in the KEY=VALUE format will be loaded into the tsweb process.

You can also print the environment at the same time you use "tsweb run"
by adding the "--environ" flag.

Environments may contain sensitive data.

Usage:
  tsweb environ [--envfile <path>]

Flags:
${flagsHelp(flags)}
`;

/** The text Caddy's printEnvironment writes, with tsweb's directories and Node's runtime facts. */
export function environText(env: NodeJS.ProcessEnv, cwd: string): string {
  const lines = [
    `tsweb.HomeDir=${env.HOME || '.'}`,
    `tsweb.AppDataDir=${appDataDir(env)}`,
    `tsweb.AppConfigDir=${appConfigDir(env)}`,
    `tsweb.ConfigAutosavePath=${autosavePath(env)}`,
    `tsweb.Version=${versionString()}`,
    `process.platform=${process.platform}`,
    `process.arch=${process.arch}`,
    `os.availableParallelism=${availableParallelism()}`,
    `process.version=${process.version}`,
    `process.cwd=${cwd}`,
    '',
  ];
  for (const [k, v] of Object.entries(env)) if (v !== undefined) lines.push(`${k}=${v}`);
  return `${lines.join('\n')}\n`;
}

/** --envfile: the files' variables join the environment without overriding what is set, as in `run`. */
export function applyEnvFiles(files: string[], io: CliIO): Record<string, string | undefined> {
  const env = loadEnvFiles(files, io.env, io.cwd);
  for (const [k, v] of Object.entries(env)) if (v !== undefined && io.env[k] === undefined) io.env[k] = v;
  return env;
}

export async function runEnviron(args: string[], io: CliIO): Promise<number> {
  return runFlagsVerb(io, usage, args, flags, async (opts) => {
    applyEnvFiles(opts.lists.get('envfile')!, io);
    io.stdout(environText(io.env, io.cwd));
    return 0;
  });
}

export const command: Command = {
  name: 'environ',
  summary: 'Prints the environment',
  usage,
  run: (args) => runEnviron(args, processIO()),
};
