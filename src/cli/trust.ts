/**
 * `tsweb trust`: Caddy's `caddy trust` (caddypki/command.go) installs the
 * internal CA's root into the system trust store. Caddy asks the running
 * server's admin API for the root; tsweb reads it from storage — the
 * default data directory, --storage, or the storage of --config — and makes
 * the CA there first if it does not exist yet, so trust can be installed
 * before the server ever runs (as an unprivileged service, say).
 */
import type { Command } from './command.js';
import { ConfigError } from './errors.js';
import { type FlagSpec, flagsHelp, type ParsedFlags } from './flags.js';
import { type CliIO, processIO } from './io.js';
import { configForAddress } from './stop.js';
import { runFlagsVerb } from './verb.js';
import type { Storage } from '../tls/storage.js';
import type { CAConfig } from '../tls/pki/ca.js';
import type { TrustResult, TrustStore } from '../tls/pki/trust_store.js';

export const trustFlags: FlagSpec[] = [
  { name: 'ca', type: 'string', valueName: 'id', help: "The ID of the CA to trust (defaults to 'local')" },
  { name: 'storage', type: 'string', valueName: 'dir', help: 'The storage folder holding the CA (defaults to the data directory)' },
  { name: 'config', short: 'c', type: 'string', valueName: 'path', help: 'Configuration file whose storage and CA settings to use (if --storage is not used)' },
  { name: 'adapter', short: 'a', type: 'string', valueName: 'name', help: 'Name of config adapter to apply (if --config is used)' },
];

const usage = `Adds the root certificate of tsweb's internal CA into the system trust store.

tsweb installs its root into the local trust store automatically when it
is first generated (unless skip_install_trust is set), but that fails
without permission to write to the trust store. This command installs it
ahead of time, e.g. before running tsweb as an unprivileged user.

The root is read from storage: the data directory ($XDG_DATA_HOME/tsweb,
else ~/.local/share/tsweb), the folder given with --storage, or the storage
configured in --config. If the CA does not exist yet it is created there.
By default the CA is 'local'; --ca names another.

Usage:
  tsweb trust [--ca <id>] [--storage <dir> | --config <path> [--adapter <name>]]

Flags:
${flagsHelp(trustFlags)}
`;

/** What tests replace: the system trust store. */
export interface TrustDeps {
  trustStore?: TrustStore;
}

export interface CASource {
  storage: Storage;
  caID: string;
  caConfig: CAConfig;
}

/** The storage and CA settings the flags name. */
export async function caSource(io: CliIO, opts: ParsedFlags): Promise<CASource> {
  const { storageFromConfig } = await import('../tls/data_dir.js');
  const { FileStorage } = await import('../tls/file_storage.js');
  const caID = opts.strings.get('ca') || 'local';
  const dir = opts.strings.get('storage')!;
  const configFile = opts.strings.get('config')!;
  if (dir !== '' && configFile !== '') throw new ConfigError('conflicting command line arguments, cannot use --storage with --config');
  if (dir !== '') return { storage: new FileStorage(dir), caID, caConfig: { id: caID } };
  const config = (await configForAddress(io, configFile, opts.strings.get('adapter')!)) as Record<string, unknown> | null;
  let storage: Storage;
  try {
    storage = storageFromConfig(config?.storage, io.env);
  } catch (err) {
    throw new ConfigError((err as Error).message);
  }
  const apps = config?.apps as Record<string, Record<string, unknown>> | undefined;
  const cas = apps?.pki?.certificate_authorities as Record<string, Record<string, unknown>> | undefined;
  const ca = cas?.[caID] ?? {};
  const str = (v: unknown) => (typeof v === 'string' && v !== '' ? v : undefined);
  return {
    storage,
    caID,
    caConfig: { id: caID, name: str(ca.name), rootCommonName: str(ca.root_common_name), intermediateCommonName: str(ca.intermediate_common_name) },
  };
}

export async function systemStore(deps: TrustDeps): Promise<TrustStore> {
  const { systemTrustStore } = await import('../tls/pki/trust_store.js');
  const store = deps.trustStore ?? systemTrustStore();
  if (!store) throw new ConfigError(`installing into the system trust store is not supported on ${process.platform} yet`);
  return store;
}

/** One line per thing done, then the update command's own output. */
export function report(io: CliIO, verb: string, what: string, result: TrustResult): void {
  if (!result.changed) {
    io.stdout(`${what} ${verb === 'install' ? 'is already installed as' : 'is not installed at'} ${result.file}\n`);
    return;
  }
  io.stdout(`${verb === 'install' ? 'Installed' : 'Removed'} ${what} ${verb === 'install' ? 'as' : 'from'} ${result.file}\n`);
  io.stdout(`Ran: ${result.command.join(' ')}\n`);
  if (result.output.trim() !== '') io.stdout(result.output.endsWith('\n') ? result.output : `${result.output}\n`);
}

export async function runTrust(args: string[], io: CliIO, deps: TrustDeps = {}): Promise<number> {
  return runFlagsVerb(io, usage, args, trustFlags, async (opts) => {
    const src = await caSource(io, opts);
    const store = await systemStore(deps);
    const { CertificateAuthority } = await import('../tls/pki/ca.js');
    const { installRoot } = await import('../tls/pki/trust_store.js');
    const { pkiRootCert } = await import('../tls/storage_keys.js');
    let ca;
    try {
      ca = await CertificateAuthority.load(src.storage, src.caConfig);
    } catch (err) {
      throw new ConfigError(`loading CA '${src.caID}' from ${src.storage}: ${(err as Error).message}`);
    }
    const rootKey = `${src.storage}/${pkiRootCert(src.caID)}`;
    if (ca.rootCreated) io.stdout(`Created CA '${src.caID}' in ${src.storage}\n`);
    const what = `the root certificate of CA '${src.caID}' (${rootKey})`;
    try {
      report(io, 'install', what, await installRoot(ca.root.pem, store));
    } catch (err) {
      throw new ConfigError(`installing ${what}: ${(err as Error).message}`);
    }
    return 0;
  });
}

export const command: Command = {
  name: 'trust',
  summary: 'Installs a CA certificate into local trust stores',
  usage,
  run: (args) => runTrust(args, processIO()),
};
