/**
 * `tsweb adapt`: Caddy's `caddy adapt` (cmd/commandfuncs.go cmdAdaptConfig).
 * Prints the JSON config a Caddyfile means (compact, or indented with tabs
 * with --pretty), then the adapter's warnings on stderr as Caddy logs them.
 */
import type { Command } from './command.js';
import { loadEnvFiles } from './envfile.js';
import { type FlagSpec, flagsHelp, UsageError } from './flags.js';
import { type CliIO, processIO } from './io.js';
import { adaptInput, checkAdapter, configJSON, readConfigFile, requireConfigFile, validateOrFail, warningMessage } from './loadconfig.js';
import { stderrLogger } from './log.js';
import { runFlagsVerb } from './verb.js';

const flags: FlagSpec[] = [
  { name: 'adapter', type: 'string', default: 'caddyfile', help: 'Name of config adapter (caddyfile or json)' },
  { name: 'config', short: 'c', type: 'string', valueName: 'file', help: 'Configuration file to adapt (default ./Caddyfile; - reads stdin)' },
  { name: 'envfile', type: 'list', valueName: 'file', help: 'Environment file(s) to load for {$VAR} substitution (repeatable)' },
  { name: 'pretty', type: 'bool', help: 'Format the output for human readability' },
  { name: 'validate', type: 'bool', help: 'Validate the output' },
];

const usage = `Adapts a configuration to Caddy's native JSON format and writes the
output to stdout, along with any warnings to stderr.

If --pretty is specified, the output will be formatted with indentation
for human readability.

If --validate is used, the adapted config will be checked for validity.
If the config is invalid, an error will be printed to stderr and a non-
zero exit status will be returned.

Without --config, ./Caddyfile is adapted.

Usage:
  tsweb adapt [--config <path>] [--adapter <name>] [--pretty] [--validate] [--envfile <path>]

Flags:
${flagsHelp(flags)}
`;

export async function runAdapt(args: string[], io: CliIO): Promise<number> {
  return runFlagsVerb(io, usage, args, flags, async (opts) => {
    const log = stderrLogger(io.stderr, io.stderrIsTTY);
    const adapter = opts.strings.get('adapter')!;

    const file = requireConfigFile(io, log, opts.strings.get('config')!);
    const env = loadEnvFiles(opts.lists.get('envfile')!, io.env, io.cwd);
    if (adapter === '') throw new UsageError('adapter name is required (use --adapter flag or leave unspecified for default)');
    checkAdapter(adapter);

    const input = await readConfigFile(io, file, 'reading input file');
    const { config, warnings } = adaptInput(input, file, adapter, env);
    io.stdout(`${configJSON(config, opts.bools.get('pretty')!)}\n`);
    for (const w of warnings) log.log('warn', adapter, warningMessage(w), { file: w.file ?? file, line: w.line ?? 0 });

    if (opts.bools.get('validate')) validateOrFail(config, 'validation: ', env);
    return 0;
  });
}

export const command: Command = {
  name: 'adapt',
  summary: "Adapts a configuration to Caddy's native JSON",
  usage,
  run: (args) => runAdapt(args, processIO()),
};
