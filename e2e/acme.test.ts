// ACME with the built executable against Pebble: two processes sharing one
// data directory order once (and answer each other's challenges from
// storage), `kill -9` in the middle of an issuance leaves nothing half-written
// and the next start completes it, and `tsweb reverse-proxy` with a public
// name gets its certificate from the CA TSWEB_ACME_CA names.
import { execFile } from 'node:child_process';
import { createPrivateKey, X509Certificate } from 'node:crypto';
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { ensureBuilt, freePort, killChildren, type ProcWithOut, startCliEnv, until } from './cli-harness.js';
import { startPebble, type Pebble } from '../test/support/pebble.js';

let dir: string;
let pebble: Pebble;
let httpPort: number;
let httpsPort: number;
let rootFile: string;

beforeAll(async () => {
  ensureBuilt();
  dir = mkdtempSync(join(tmpdir(), 'tsweb-e2e-acme-'));
  httpPort = await freePort();
  httpsPort = await freePort();
  pebble = await startPebble({ httpPort, tlsPort: httpsPort });
  rootFile = join(dir, 'pebble-root.pem');
  writeFileSync(rootFile, await pebble.root());
});
afterEach(killChildren);
afterAll(async () => {
  await pebble?.stop();
  rmSync(dir, { recursive: true, force: true });
});

function configFile(name: string, site: string, ports: { http: number; https: number }, issuer: Record<string, unknown> = {}): string {
  const file = join(dir, name);
  const cfg = {
    admin: { disabled: true },
    apps: {
      tls: { automation: { policies: [{ subjects: [site], issuers: [{ module: 'acme', ca: pebble.directory, trusted_roots_pem_files: [pebble.caFile], ...issuer }] }] } },
      http: {
        http_port: ports.http,
        https_port: ports.https,
        servers: { s: { listen: [`127.0.0.1:${ports.https}`], routes: [{ match: [{ host: [site] }], handle: [{ handler: 'static_response', body: 'hello from {env.WHO}' }] }] } },
      },
    },
  };
  writeFileSync(file, JSON.stringify(cfg));
  return file;
}

const run = (config: string, data: string, who: string): ProcWithOut => startCliEnv(['run', '--config', config], dir, { XDG_DATA_HOME: data, WHO: who, TSWEB_RETRY_SCALE: '0.001' });

async function curl(name: string, port: number): Promise<string> {
  const r = await promisify(execFile)('curl', ['-sS', '--http1.1', '--cacert', rootFile, '--resolve', `${name}:${port}:127.0.0.1`, `https://${name}:${port}/`]);
  return r.stdout;
}

async function eventuallyCurl(name: string, port: number, ms = 20_000): Promise<string> {
  let last = '';
  await until(
    async () => {
      try {
        last = await curl(name, port);
        return true;
      } catch (err) {
        last = (err as Error).message;
        return false;
      }
    },
    `https://${name}:${port}/`,
    ms,
  ).catch((err: Error) => {
    throw new Error(`${err.message}: ${last}`);
  });
  return last;
}

/** Every file under a directory, recursively. */
function walk(d: string): string[] {
  const out: string[] = [];
  for (const e of readdirSync(d, { withFileTypes: true })) {
    const p = join(d, e.name);
    if (e.isDirectory()) out.push(...walk(p));
    else out.push(p);
  }
  return out;
}

describe('ACME with dist/tsweb and Pebble', () => {
  it('two processes on one data dir order once, each serving the certificate; curl verifies it against Pebble root', async () => {
    const data = join(dir, 'shared');
    const [httpB, httpsB] = [await freePort(), await freePort()];
    const before = pebble.issued();
    const t0 = Date.now();
    const a = run(configFile('a.json', 'two.example.test', { http: httpPort, https: httpsPort }, { challenges: { 'tls-alpn': { disabled: true } } }), data, 'a');
    const b = run(configFile('b.json', 'two.example.test', { http: httpB, https: httpsB }, { challenges: { 'tls-alpn': { disabled: true } } }), data, 'b');
    expect(await eventuallyCurl('two.example.test', httpsPort)).toBe('hello from a');
    console.log(`two processes: first certificate served after ${Date.now() - t0} ms (process start included)`);
    expect(await eventuallyCurl('two.example.test', httpsB)).toBe('hello from b');
    expect(pebble.issued()).toBe(before + 1);
    const both = a.stderr() + b.stderr();
    expect(both.match(/certificate obtained successfully/g)).toHaveLength(1);
    expect(both).toMatch(/certificate already exists in storage/);
  });

  it('kill -9 during an issuance leaves no half-written key; the next start completes it', async () => {
    const data = join(dir, 'killed');
    const cfg = configFile('k.json', 'kill.example.test', { http: httpPort, https: httpsPort });
    const first = run(cfg, data, 'k1');
    await until(() => /trying to solve challenge/.test(first.stderr()), 'the issuance to be under way', 15_000);
    first.child.kill('SIGKILL');
    await first.exited;
    const files = walk(join(data, 'tsweb'));
    for (const f of files.filter((p) => p.endsWith('.key'))) expect(() => createPrivateKey(readFileSync(f)), f).not.toThrow();
    for (const f of files.filter((p) => p.endsWith('.crt'))) expect(() => new X509Certificate(readFileSync(f)), f).not.toThrow();
    expect(files.some((f) => f.includes('issue_cert_kill.example.test'))).toBe(true);
    // The dead process's lock goes stale (certmagic: twice the 5 s refresh), then the issuance completes.
    const second = run(cfg, data, 'k2');
    expect(await eventuallyCurl('kill.example.test', httpsPort, 30_000)).toBe('hello from k2');
    expect(second.stderr()).toMatch(/certificate obtained successfully/);
    const site = join(data, 'tsweb', 'certificates', `127.0.0.1-${new URL(pebble.directory).port}-dir`, 'kill.example.test');
    // The kill may land between a write and its rename: the dead process's temp file can stay, never a partial key.
    const kept = readdirSync(site).filter((f) => !/^\.[0-9a-f]{12}\.tmp$/.test(f));
    expect(kept.sort()).toEqual(['kill.example.test.crt', 'kill.example.test.json', 'kill.example.test.key']);
    for (const f of kept) expect(statSync(join(site, f)).size).toBeGreaterThan(0);
  }, 60_000);

  it('tsweb reverse-proxy with a public name gets its certificate over ACME (TSWEB_ACME_CA)', async () => {
    const backend: Server = createServer((_req, res) => res.end('backend says hi'));
    await new Promise<void>((r) => backend.listen(0, '127.0.0.1', r));
    try {
      const port = (backend.address() as { port: number }).port;
      // The proxy listens on Pebble's TLS-ALPN port; HTTP-01 has nowhere to go (--disable-redirects), so TLS-ALPN-01 answers.
      const p = startCliEnv(['reverse-proxy', '--from', `proxy.example.test:${httpsPort}`, '--to', `127.0.0.1:${port}`, '--disable-redirects'], dir, {
        XDG_DATA_HOME: join(dir, 'rp'),
        TSWEB_ACME_CA: pebble.directory,
        TSWEB_ACME_CA_ROOT: pebble.caFile,
        TSWEB_RETRY_SCALE: '0.001',
      });
      expect(await eventuallyCurl('proxy.example.test', httpsPort)).toBe('backend says hi');
      expect(p.stderr()).toMatch(/certificate obtained successfully.*proxy\.example\.test/);
    } finally {
      backend.close();
    }
  });
});
