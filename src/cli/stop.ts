/**
 * `tsweb stop`: Caddy's `caddy stop` (cmd/commandfuncs.go cmdStop): POST
 * /stop to the admin API of the running instance, found at --address, else
 * at the config's admin address, else at the default.
 */
import { adminAPIRequest, determineAdminAddress } from '../admin/client.js';
import { defaultAdminListen } from '../admin/address.js';
import type { Command } from './command.js';
import { ConfigError } from './errors.js';
import { type FlagSpec, flagsHelp } from './flags.js';
import { type CliIO, processIO } from './io.js';
import { adaptInput, checkAdapter, guessAdapter, readConfigFile } from './loadconfig.js';
import { stderrLogger } from './log.js';
import { runFlagsVerb } from './verb.js';

const flags: FlagSpec[] = [
  { name: 'config', short: 'c', type: 'string', valueName: 'file', help: 'Configuration file to use to parse the admin address, if --address is not used' },
  { name: 'adapter', short: 'a', type: 'string', valueName: 'name', help: 'Name of config adapter to apply (when --config is used)' },
  { name: 'address', type: 'string', valueName: 'interface', help: 'The address to use to reach the admin API endpoint, if not the default' },
];

const usage = `Stops the background tsweb process as gracefully as possible.

It requires that the admin API is enabled and accessible, since it will
use the API's /stop endpoint. The address of this request can be customized
using the --address flag, or from the given --config, if not the default.

Usage:
  tsweb stop [--config <path> [--adapter <name>]] [--address <interface>]

Flags:
${flagsHelp(flags)}
`;

/** The config named by --config, adapted, to read its admin address from; null without --config. */
export async function configForAddress(io: CliIO, file: string, adapterFlag: string): Promise<unknown> {
  if (file === '') {
    if (adapterFlag !== '') throw new ConfigError("couldn't determine admin API address: cannot adapt config without config file (use --config)");
    return null;
  }
  const adapter = guessAdapter(file, adapterFlag);
  if (adapter !== '' && adapter !== 'json') checkAdapter(adapter);
  const text = await readConfigFile(io, file, "couldn't determine admin API address: reading config from file");
  try {
    return adaptInput(text, file, adapter, io.env).config;
  } catch (err) {
    throw new ConfigError(`couldn't determine admin API address: ${adapter === 'caddyfile' ? 'adapting config using caddyfile: ' : ''}${(err as Error).message}`);
  }
}

export async function runStop(args: string[], io: CliIO): Promise<number> {
  return runFlagsVerb(io, usage, args, flags, async (opts) => {
    const log = stderrLogger(io.stderr, io.stderrIsTTY);
    const config = await configForAddress(io, opts.strings.get('config')!, opts.strings.get('adapter')!);
    const addr = determineAdminAddress(opts.strings.get('address')!, config, defaultAdminListen(io.env));
    try {
      await adminAPIRequest(addr, 'POST', '/stop', {});
    } catch (err) {
      log.log('warn', '', 'failed using API to stop instance', { error: (err as Error).message });
      throw new ConfigError((err as Error).message);
    }
    return 0;
  });
}

export const command: Command = {
  name: 'stop',
  summary: 'Gracefully stops a started tsweb process',
  usage,
  run: (args) => runStop(args, processIO()),
};
