/**
 * `tsweb untrust`: Caddy's `caddy untrust` removes the internal CA's root
 * from the system trust store — the one in storage (as `tsweb trust` finds
 * it; never created here), or the certificate file given with --cert. The
 * files in storage are not touched.
 */
import { readFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import type { Command } from './command.js';
import { ConfigError } from './errors.js';
import { type FlagSpec, flagsHelp } from './flags.js';
import { type CliIO, processIO } from './io.js';
import { caSource, report, systemStore, type TrustDeps, trustFlags } from './trust.js';
import { runFlagsVerb } from './verb.js';

const flags: FlagSpec[] = [
  { name: 'cert', short: 'p', type: 'string', valueName: 'path', help: 'The path to the CA certificate to untrust' },
  ...trustFlags.map((f) => (f.name === 'ca' ? { ...f, help: "The ID of the CA to untrust (defaults to 'local')" } : f)),
];

const usage = `Removes a root certificate from the system trust store.

This command uninstalls trust; it does not delete or modify certificate
files in tsweb's storage.

Either --cert names the certificate file to untrust, or the root of the
CA (default 'local', else --ca) is read from storage: the data directory,
--storage, or the storage configured in --config.

Usage:
  tsweb untrust [--cert <path>] | [[--ca <id>] [--storage <dir> | --config <path> [--adapter <name>]]]

Flags:
${flagsHelp(flags)}
`;

export async function runUntrust(args: string[], io: CliIO, deps: TrustDeps = {}): Promise<number> {
  return runFlagsVerb(io, usage, args, flags, async (opts) => {
    const certFile = opts.strings.get('cert')!;
    const { uninstallRoot } = await import('../tls/pki/trust_store.js');
    let pem: string;
    let what: string;
    if (certFile !== '') {
      if (opts.strings.get('ca') || opts.strings.get('storage') || opts.strings.get('config')) {
        throw new ConfigError('conflicting command line arguments, cannot use --cert with other flags');
      }
      try {
        pem = await readFile(resolve(io.cwd, certFile), 'utf8');
      } catch (err) {
        throw new ConfigError(`accessing certificate file: ${(err as Error).message}`);
      }
      what = `the certificate ${certFile}`;
    } else {
      const src = await caSource(io, opts);
      const { pkiRootCert } = await import('../tls/storage_keys.js');
      try {
        pem = (await src.storage.load(pkiRootCert(src.caID))).toString('utf8');
      } catch (err) {
        throw new ConfigError(`loading the root certificate of CA '${src.caID}' from ${src.storage}: ${(err as Error).message}`);
      }
      what = `the root certificate of CA '${src.caID}' (${src.storage}/${pkiRootCert(src.caID)})`;
    }
    const store = await systemStore(deps);
    try {
      report(io, 'uninstall', what, await uninstallRoot(pem, store));
    } catch (err) {
      throw new ConfigError(`failed to uninstall ${what}: ${(err as Error).message}`);
    }
    return 0;
  });
}

export const command: Command = {
  name: 'untrust',
  summary: 'Untrusts a locally-trusted CA certificate',
  usage,
  run: (args) => runUntrust(args, processIO()),
};
