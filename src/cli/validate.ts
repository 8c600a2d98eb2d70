/**
 * `tsweb validate`: Caddy's `caddy validate` (cmd/commandfuncs.go
 * cmdValidateConfig). Loads the config as `run` would, adapting it when it is
 * a Caddyfile, checks it, and prints "Valid configuration".
 */
import type { Command } from './command.js';
import { loadEnvFiles } from './envfile.js';
import { type FlagSpec, flagsHelp } from './flags.js';
import { type CliIO, processIO } from './io.js';
import { adaptInput, checkAdapter, ConfigError, guessAdapter, readConfigFile, requireConfigFile, validateOrFail, warningMessage } from './loadconfig.js';
import { stderrLogger } from './log.js';
import { runFlagsVerb } from './verb.js';

const flags: FlagSpec[] = [
  { name: 'adapter', short: 'a', type: 'string', valueName: 'name', help: 'Name of config adapter (default: caddyfile for Caddyfile* and *.caddyfile, else JSON)' },
  { name: 'config', short: 'c', type: 'string', valueName: 'file', help: 'Input configuration file (default ./Caddyfile; - reads stdin)' },
  { name: 'envfile', type: 'list', valueName: 'file', help: 'Environment file(s) to load for {$VAR} substitution (repeatable)' },
];

const usage = `Loads and checks the provided config, but does not start running it.
This reveals any errors with the configuration through the loading and
validation stages.

Without --config, ./Caddyfile is validated. Without --adapter, a file named
Caddyfile* or *.caddyfile is read as a Caddyfile and anything else as JSON.

Usage:
  tsweb validate [--config <path>] [--adapter <name>] [--envfile <path>]

Flags:
${flagsHelp(flags)}
`;

export async function runValidate(args: string[], io: CliIO): Promise<number> {
  return runFlagsVerb(io, usage, args, flags, async (opts) => {
    const log = stderrLogger(io.stderr, io.stderrIsTTY);

    const env = loadEnvFiles(opts.lists.get('envfile')!, io.env, io.cwd);
    const file = requireConfigFile(io, log, opts.strings.get('config')!);
    const adapter = guessAdapter(file, opts.strings.get('adapter')!);
    if (adapter !== '' && adapter !== 'json') checkAdapter(adapter);

    const input = await readConfigFile(io, file, 'reading config from file');
    log.log('info', '', file === '-' ? 'using config from stdin' : 'using config from file', file === '-' ? {} : { file });
    let config;
    try {
      const adapted = adaptInput(input, file, adapter, env);
      config = adapted.config;
      if (adapter !== '' && adapter !== 'json') {
        log.log('info', '', 'adapted config to JSON', { adapter });
        for (const w of adapted.warnings) {
          log.log('warn', '', warningMessage(w), { adapter, file: w.file ?? file, line: w.line ?? 0 });
        }
      }
    } catch (err) {
      if (err instanceof ConfigError && adapter === 'caddyfile') throw new ConfigError(`adapting config using ${adapter}: ${err.message}`);
      throw err;
    }

    validateOrFail(config, '', env);
    io.stdout('Valid configuration\n');
    return 0;
  });
}

export const command: Command = {
  name: 'validate',
  summary: 'Tests whether a configuration file is valid',
  usage,
  run: (args) => runValidate(args, processIO()),
};
