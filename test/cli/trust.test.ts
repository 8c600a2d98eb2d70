import { existsSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { CliIO } from '../../src/cli/io.js';
import { runTrust } from '../../src/cli/trust.js';
import { runUntrust } from '../../src/cli/untrust.js';
import type { TrustStore } from '../../src/tls/pki/trust_store.js';

/** A trust store in a temporary folder whose update command is recorded, never run. */
function fakeStore() {
  const calls: string[][] = [];
  const store: TrustStore = {
    dir: mkdtempSync(join(tmpdir(), 'tsweb-anchors-')),
    ext: '.crt',
    command: ['update-ca-certificates'],
    uninstallCommand: ['update-ca-certificates', '--fresh'],
    run: async (cmd) => {
      calls.push(cmd);
      return '1 added, 0 removed; done.\n';
    },
  };
  return { store, calls };
}

function fakeIO(env: NodeJS.ProcessEnv) {
  const out = { stdout: '', stderr: '' };
  const io: CliIO = {
    stdout: (t) => void (out.stdout += t),
    stderr: (t) => void (out.stderr += t),
    cwd: process.cwd(),
    env,
    stderrIsTTY: false,
    readStdin: async () => '',
  };
  return { io, out };
}

describe('tsweb trust / untrust', () => {
  it("installs the data directory's root (making the CA first), says what it did, and is idempotent", async () => {
    const data = mkdtempSync(join(tmpdir(), 'tsweb-data-'));
    const { store, calls } = fakeStore();
    const { io, out } = fakeIO({ XDG_DATA_HOME: data });
    expect(await runTrust([], io, { trustStore: store })).toBe(0);
    const rootPEM = readFileSync(join(data, 'tsweb/pki/authorities/local/root.crt'), 'utf8');
    const [file] = readdirSync(store.dir);
    expect(file).toMatch(/^Caddy_Local_Authority_-_\d{4}_ECC_Root_\d+\.crt$/);
    expect(readFileSync(join(store.dir, file!), 'utf8').trim()).toBe(rootPEM.trim());
    expect(calls).toEqual([['update-ca-certificates']]);
    expect(out.stdout).toContain(`Created CA 'local' in FileStorage:${join(data, 'tsweb')}`);
    expect(out.stdout).toContain(`Installed the root certificate of CA 'local' (FileStorage:${join(data, 'tsweb')}/pki/authorities/local/root.crt) as ${join(store.dir, file!)}`);
    expect(out.stdout).toContain('Ran: update-ca-certificates\n1 added, 0 removed; done.\n');

    const again = fakeIO({ XDG_DATA_HOME: data });
    expect(await runTrust([], again.io, { trustStore: store })).toBe(0);
    expect(again.out.stdout).toMatch(/is already installed as /);
    expect(again.out.stdout).not.toContain('Created');
    expect(calls.length).toBe(1);

    const un = fakeIO({ XDG_DATA_HOME: data });
    expect(await runUntrust([], un.io, { trustStore: store })).toBe(0);
    expect(readdirSync(store.dir)).toEqual([]);
    expect(calls[1]).toEqual(['update-ca-certificates', '--fresh']);
    expect(un.out.stdout).toContain(`Removed the root certificate of CA 'local'`);
    expect(existsSync(join(data, 'tsweb/pki/authorities/local/root.crt'))).toBe(true);

    const unAgain = fakeIO({ XDG_DATA_HOME: data });
    expect(await runUntrust([], unAgain.io, { trustStore: store })).toBe(0);
    expect(unAgain.out.stdout).toMatch(/is not installed at /);
  });

  it('reads --storage and untrusts a --cert file', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'tsweb-storage-'));
    const { store } = fakeStore();
    const { io } = fakeIO({});
    expect(await runTrust(['--storage', dir, '--ca', 'corp'], io, { trustStore: store })).toBe(0);
    expect(readdirSync(store.dir).length).toBe(1);
    const un = fakeIO({});
    expect(await runUntrust(['--cert', join(dir, 'pki/authorities/corp/root.crt')], un.io, { trustStore: store })).toBe(0);
    expect(readdirSync(store.dir)).toEqual([]);
  });

  it('uses the storage of --config', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'tsweb-storage-'));
    const cfg = join(dir, 'config.json');
    writeFileSync(cfg, JSON.stringify({ storage: { module: 'file_system', root: join(dir, 'data') }, apps: { pki: { certificate_authorities: { local: { name: 'Dev CA' } } } } }));
    const { store } = fakeStore();
    const { io } = fakeIO({});
    expect(await runTrust(['--config', cfg], io, { trustStore: store })).toBe(0);
    expect(readFileSync(join(dir, 'data/pki/authorities/local/root.crt'), 'utf8')).toContain('BEGIN CERTIFICATE');
    expect(readdirSync(store.dir)[0]).toMatch(/^Dev_CA_-_\d{4}_ECC_Root_/);
  });

  it('refuses what it cannot do, with exit code 1 or 2', async () => {
    const { store } = fakeStore();
    const missing = fakeIO({ XDG_DATA_HOME: mkdtempSync(join(tmpdir(), 'tsweb-data-')) });
    expect(await runUntrust([], missing.io, { trustStore: store })).toBe(1);
    expect(missing.out.stderr).toMatch(/^Error: loading the root certificate of CA 'local' from FileStorage:.*key not found/);
    const conflict = fakeIO({});
    expect(await runUntrust(['--cert', 'x.crt', '--ca', 'local'], conflict.io, { trustStore: store })).toBe(1);
    expect(conflict.out.stderr).toContain('cannot use --cert with other flags');
    const both = fakeIO({});
    expect(await runTrust(['--storage', '/x', '--config', '/y'], both.io, { trustStore: store })).toBe(1);
    const usage = fakeIO({});
    expect(await runTrust(['extra'], usage.io, { trustStore: store })).toBe(2);
    const denied: TrustStore = { ...store, dir: '/proc/no-such-dir' };
    const d = fakeIO({ XDG_DATA_HOME: mkdtempSync(join(tmpdir(), 'tsweb-data-')) });
    expect(await runTrust([], d.io, { trustStore: denied })).toBe(1);
    expect(d.out.stderr).toMatch(/^Error: installing the root certificate/);
  });
});
