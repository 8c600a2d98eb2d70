/**
 * Installing a CA root into the system trust store, as smallstep/truststore
 * does for Caddy on Linux: the PEM goes to the distribution's anchors folder
 * as `<CN>_<serial in decimal>` (spaces → `_`), then the distribution's
 * update command rebuilds the bundle. The folder and command are found as
 * truststore finds them, or given (tests use a temporary folder and a stub).
 * tsweb does not call sudo: without permission the error says so.
 */
import { execFile } from 'node:child_process';
import { X509Certificate } from 'node:crypto';
import { existsSync, promises as fsp } from 'node:fs';
import { join } from 'node:path';

export interface TrustStore {
  /** Folder the root file goes into. */
  dir: string;
  /** File extension the distribution expects (.crt on Debian, .pem on Fedora). */
  ext: string;
  /** The command that rebuilds the system bundle, e.g. ['update-ca-certificates']. */
  command: string[];
  /**
   * The one to run after removing a root, when it differs: Debian's plain
   * update-ca-certificates keeps the /etc/ssl/certs links to a removed local
   * root (dangling); only --fresh rebuilds them.
   */
  uninstallCommand?: string[];
  /** Runs the command; by default a child process. Resolves with its combined output. */
  run?: (command: string[]) => Promise<string>;
}

/** truststore_linux.go's table, first existing folder wins. */
const linuxStores: ReadonlyArray<Omit<TrustStore, 'run'>> = [
  { dir: '/etc/pki/ca-trust/source/anchors', ext: '.pem', command: ['update-ca-trust', 'extract'] },
  { dir: '/usr/local/share/ca-certificates', ext: '.crt', command: ['update-ca-certificates'], uninstallCommand: ['update-ca-certificates', '--fresh'] },
  { dir: '/usr/share/pki/trust/anchors', ext: '.crt', command: ['update-ca-certificates'] },
  { dir: '/etc/ca-certificates/trust-source/anchors', ext: '.crt', command: ['trust', 'extract-compat'] },
  { dir: '/etc/ssl/certs', ext: '.crt', command: ['trust', 'extract-compat'] },
];

/** The system's store, or undefined where tsweb cannot install yet (non-Linux, unknown layout). */
export function systemTrustStore(platform: NodeJS.Platform = process.platform): TrustStore | undefined {
  if (platform !== 'linux') return undefined;
  const found = linuxStores.find((s) => existsSync(s.dir));
  return found && { ...found };
}

/** truststore's uniqueName with spaces replaced: `<CN> <decimal serial>` → `<CN>_<serial>`. */
export function trustFileName(cert: X509Certificate): string {
  const cn = /^CN=(.*)$/m.exec(cert.subject)?.[1] ?? '';
  const serial = BigInt('0x' + cert.serialNumber).toString();
  const unique = cn !== '' ? `${cn} ${serial}` : serial;
  return unique.replaceAll(' ', '_');
}

function runCommand(command: string[]): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile(command[0]!, command.slice(1), (err, stdout, stderr) => {
      const out = `${stdout}${stderr}`;
      if (err) reject(new Error(`${command.join(' ')}: ${err.message.trim()}${out.trim() ? `\n${out.trim()}` : ''}`, { cause: err }));
      else resolve(out);
    });
  });
}

export interface TrustResult {
  /** The anchor file written or removed. */
  file: string;
  /** False when there was nothing to do (already installed / not installed). */
  changed: boolean;
  command: string[];
  output: string;
}

function permissionHint(err: unknown, file: string): Error {
  const code = (err as NodeJS.ErrnoException).code;
  if (code === 'EACCES' || code === 'EPERM') return new Error(`${file}: permission denied (installing into the system trust store needs root: run with sudo)`, { cause: err });
  return err as Error;
}

/** Writes the root into the store (unless the same file is there already) and rebuilds the bundle. */
export async function installRoot(rootPEM: string, store: TrustStore): Promise<TrustResult> {
  const cert = new X509Certificate(rootPEM);
  const file = join(store.dir, trustFileName(cert) + store.ext);
  const pem = cert.toString();
  let existing: string | undefined;
  try {
    existing = await fsp.readFile(file, 'utf8');
  } catch {
    existing = undefined;
  }
  if (existing?.trim() === pem.trim()) return { file, changed: false, command: store.command, output: '' };
  try {
    await fsp.writeFile(file, pem, { mode: 0o644 });
  } catch (err) {
    throw permissionHint(err, file);
  }
  const output = await (store.run ?? runCommand)(store.command);
  return { file, changed: true, command: store.command, output };
}

/** Removes the root's anchor file (if present) and rebuilds the bundle. */
export async function uninstallRoot(rootPEM: string, store: TrustStore): Promise<TrustResult> {
  const cert = new X509Certificate(rootPEM);
  const file = join(store.dir, trustFileName(cert) + store.ext);
  try {
    await fsp.unlink(file);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return { file, changed: false, command: [], output: '' };
    throw permissionHint(err, file);
  }
  const command = store.uninstallCommand ?? store.command;
  const output = await (store.run ?? runCommand)(command);
  return { file, changed: true, command, output };
}
