/**
 * `tsweb reload`: Caddy's `caddy reload` (cmd/commandfuncs.go cmdReload):
 * adapts the config file (./Caddyfile by default) and POSTs it to /load of
 * the running instance, at --address, else the new config's admin address,
 * else the default. --force reloads even an unchanged config.
 */
import { adminAPIRequest, determineAdminAddress } from '../admin/client.js';
import { defaultAdminListen } from '../admin/address.js';
import type { Command } from './command.js';
import { ConfigError } from './errors.js';
import { type FlagSpec, flagsHelp } from './flags.js';
import { type CliIO, processIO } from './io.js';
import { adaptInput, checkAdapter, configFileWithDefault, guessAdapter, readConfigFile, warningMessage } from './loadconfig.js';
import { stderrLogger } from './log.js';
import { runFlagsVerb } from './verb.js';

const flags: FlagSpec[] = [
  { name: 'config', short: 'c', type: 'string', valueName: 'file', help: 'Configuration file (required)' },
  { name: 'adapter', short: 'a', type: 'string', valueName: 'name', help: 'Name of config adapter to apply' },
  { name: 'address', type: 'string', valueName: 'interface', help: 'Address of the administration listener, if different from config' },
  { name: 'force', short: 'f', type: 'bool', help: 'Force config reload, even if it is the same' },
];

const usage = `Gives the running tsweb instance a new configuration. This has the same
effect as POSTing a document to the /load API endpoint, but is convenient for
simple workflows revolving around config files.

Since the admin endpoint is configurable, the endpoint configuration is loaded
from the --address flag if specified; otherwise it is loaded from the given
config file; otherwise the default is assumed.

Usage:
  tsweb reload --config <path> [--adapter <name>] [--address <interface>] [--force]

Flags:
${flagsHelp(flags)}
`;

export async function runReload(args: string[], io: CliIO): Promise<number> {
  return runFlagsVerb(io, usage, args, flags, async (opts) => {
    const log = stderrLogger(io.stderr, io.stderrIsTTY);
    const adapterFlag = opts.strings.get('adapter')!;
    const configFlag = opts.strings.get('config')!;
    if (adapterFlag !== '' && configFlag === '') throw new ConfigError('cannot adapt config without config file (use --config)');
    const file = configFileWithDefault(io, log, configFlag);
    if (file === '') throw new ConfigError('no config file to load');
    const adapter = guessAdapter(file, adapterFlag);
    if (adapter !== '' && adapter !== 'json') checkAdapter(adapter);
    const text = await readConfigFile(io, file, 'reading config from file');
    log.log('info', '', file === '-' ? 'using config from stdin' : 'using config from file', file === '-' ? {} : { file });
    let config: unknown;
    try {
      const adapted = adaptInput(text, file, adapter, io.env);
      config = adapted.config;
      if (adapter !== '' && adapter !== 'json') {
        log.log('info', '', 'adapted config to JSON', { adapter });
        for (const w of adapted.warnings) log.log('warn', '', warningMessage(w), { adapter, file: w.file ?? file, line: w.line ?? 0 });
      }
    } catch (err) {
      if (err instanceof ConfigError && adapter === 'caddyfile') throw new ConfigError(`adapting config using ${adapter}: ${err.message}`);
      throw err;
    }
    const addr = determineAdminAddress(opts.strings.get('address')!, config, defaultAdminListen(io.env));
    const headers: Record<string, string> = {};
    if (opts.bools.get('force')) headers['Cache-Control'] = 'must-revalidate';
    try {
      await adminAPIRequest(addr, 'POST', '/load', headers, JSON.stringify(config));
    } catch (err) {
      throw new ConfigError(`sending configuration to instance: ${(err as Error).message}`);
    }
    return 0;
  });
}

export const command: Command = {
  name: 'reload',
  summary: 'Changes the config of the running tsweb instance',
  usage,
  run: (args) => runReload(args, processIO()),
};
