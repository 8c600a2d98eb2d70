import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { X509Certificate } from 'node:crypto';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Runtime } from '../../../src/runtime/runtime.js';
import { freePort } from '../../support/free_port.js';
import { send } from '../../support/client.js';
import { startPebble, type Pebble } from '../../support/pebble.js';
import { acmeSite, collect, eventually, getHTTPS } from './helpers.js';

let pebble: Pebble;
let dir: string;
let httpPort: number;
let httpsPort: number;
let rootFile: string;
let root: string;

beforeAll(async () => {
  httpPort = await freePort();
  httpsPort = await freePort();
  pebble = await startPebble({ httpPort, tlsPort: httpsPort });
  dir = mkdtempSync(join(tmpdir(), 'tsweb-acme-'));
  root = await pebble.root();
  rootFile = join(dir, 'root.pem');
  writeFileSync(rootFile, root);
});
afterAll(async () => {
  await pebble?.stop();
  rmSync(dir, { recursive: true, force: true });
});

const envFor = (sub: string) => ({ ...process.env, XDG_DATA_HOME: join(dir, sub), TSWEB_RETRY_SCALE: '0.001' });
const curl = (name: string, ...extra: string[]) =>
  promisify(execFile)('curl', ['-sS', '--http1.1', '--cacert', rootFile, '--resolve', `${name}:${httpsPort}:127.0.0.1`, ...extra, `https://${name}:${httpsPort}/`]);

describe('ACME issuance against Pebble', () => {
  it('HTTP-01: obtained in the background once listening, served and verified by Node and curl; a restart orders nothing', async () => {
    const { log, text } = collect();
    const env = envFor('http01');
    const site = acmeSite({ name: 'a.example.test', pebble, httpPort, httpsPort, issuer: { challenges: { 'tls-alpn': { disabled: true } } } });
    let r = new Runtime({ env, log });
    try {
      const t0 = Date.now();
      await r.load(site);
      const got = await eventually(() => getHTTPS(httpsPort, 'a.example.test', root));
      console.log(`HTTP-01 issuance (account registration included): ${Date.now() - t0} ms`);
      expect(got.body).toBe('hello a.example.test');
      expect(got.cert.subjectaltname).toBe('DNS:a.example.test');
      expect((await curl('a.example.test')).stdout).toBe('hello a.example.test');
      // The same chain over HTTP/2 (curl's later --http2 wins), reporting the version it spoke.
      expect((await curl('a.example.test', '--http2', '-w', ' %{http_version}')).stdout).toBe('hello a.example.test 2');
      expect(text()).toMatch(/info tls.issuance.acme.acme_client trying to solve challenge .*"challenge_type":"http-01"/);
      expect(text()).toMatch(/info tls.issuance.acme served key authentication .*"challenge":"http-01"/);
      expect(text()).toMatch(/info tls.obtain certificate obtained successfully \{"identifier":"a.example.test","issuer":"127.0.0.1:\d+-dir"\}/);
      // The ACME account in certmagic's layout, for reuse.
      const acmeDir = join(env.XDG_DATA_HOME, 'tsweb', 'acme');
      expect(readFileSync(join(acmeDir, `127.0.0.1-${new URL(pebble.directory).port}-dir`, 'users', 'default', 'default.json'), 'utf8')).toMatch(/"location": "https:/);
    } finally {
      await r.stop();
    }
    const issued = pebble.issued();
    r = new Runtime({ env, log });
    try {
      await r.load(site);
      // Served at once from storage, nothing new ordered.
      expect((await getHTTPS(httpsPort, 'a.example.test', root)).body).toBe('hello a.example.test');
      await new Promise((res) => setTimeout(res, 300));
      expect(pebble.issued()).toBe(issued);
    } finally {
      await r.stop();
    }
  });

  it('reuses the stored ACME account for the next name (after a restart)', async () => {
    const { log, text } = collect();
    const r = new Runtime({ env: envFor('http01'), log });
    try {
      await r.load(acmeSite({ name: 'b.example.test', pebble, httpPort, httpsPort }));
      await eventually(() => getHTTPS(httpsPort, 'b.example.test', root));
      expect(text()).toMatch(/info tls.issuance.acme using ACME account \{"account_id":"https:\/\/127.0.0.1:\d+\/my-account\//);
      expect(text()).not.toMatch(/registering account|new ACME account registered/);
    } finally {
      await r.stop();
    }
  });

  it('TLS-ALPN-01: acme-tls/1 answered on the HTTPS listener', async () => {
    const { log, text } = collect();
    const r = new Runtime({ env: envFor('alpn'), log });
    try {
      await r.load(acmeSite({ name: 'alpn.example.test', pebble, httpPort, httpsPort, issuer: { challenges: { http: { disabled: true } } } }));
      const got = await eventually(() => getHTTPS(httpsPort, 'alpn.example.test', root));
      expect(got.body).toBe('hello alpn.example.test');
      expect((await curl('alpn.example.test')).stdout).toBe('hello alpn.example.test');
      expect(text()).toMatch(/trying to solve challenge .*"challenge_type":"tls-alpn-01"/);
      expect(text()).toMatch(/info tls served key authentication certificate .*"challenge":"tls-alpn-01"/);
      expect(text()).not.toMatch(/"challenge_type":"http-01"/);
    } finally {
      await r.stop();
    }
  });

  it('redirects HTTP to HTTPS (308) for an ACME site, path and query kept', async () => {
    const r = new Runtime({ env: envFor('redirect'), log: () => {} });
    try {
      await r.load(acmeSite({ name: 'r.example.test', pebble, httpPort, httpsPort }));
      const res = await send(httpPort, '/p/q?x=1', { headers: { host: 'r.example.test' } });
      expect(res.status).toBe(308);
      expect(String(res.headers.location)).toMatch(new RegExp(`^https://r\\.example\\.test(:${httpsPort})?/p/q\\?x=1$`));
      await eventually(() => getHTTPS(httpsPort, 'r.example.test', root));
    } finally {
      await r.stop();
    }
  });

  it('key_type rsa2048, and the top-level storage file_system root keeps everything in certmagic layout', async () => {
    const storageRoot = join(dir, 'custom-storage');
    const r = new Runtime({ env: envFor('unused'), log: () => {} });
    try {
      await r.load(acmeSite({ name: 'rsa.example.test', pebble, httpPort, httpsPort, policy: { key_type: 'rsa2048' }, top: { storage: { module: 'file_system', root: storageRoot } } }));
      const got = await eventually(() => getHTTPS(httpsPort, 'rsa.example.test', root));
      expect(got.cert.bits).toBe(2048);
      expect(got.cert.modulus).toBeTruthy();
      const issuerKey = `127.0.0.1-${new URL(pebble.directory).port}-dir`;
      const crt = readFileSync(join(storageRoot, 'certificates', issuerKey, 'rsa.example.test', 'rsa.example.test.crt'));
      expect(new X509Certificate(crt).publicKey.asymmetricKeyDetails?.modulusLength).toBe(2048);
      expect(readFileSync(join(storageRoot, 'certificates', issuerKey, 'rsa.example.test', 'rsa.example.test.key'), 'utf8')).toMatch(/BEGIN RSA PRIVATE KEY/);
      expect(existsSync(join(dir, 'unused', 'tsweb', 'certificates'))).toBe(false);
    } finally {
      await r.stop();
    }
  });

  it('a tls app alone (certificates.automate) listens on the challenge port itself (alternate_port) and stores the certificate', async () => {
    const { log, text } = collect();
    const env = envFor('solo');
    const r = new Runtime({ env, log });
    try {
      await r.load({
        apps: {
          tls: {
            certificates: { automate: ['solo.example.test'] },
            automation: { policies: [{ subjects: ['solo.example.test'], issuers: [{ module: 'acme', ca: pebble.directory, trusted_roots_pem_files: [pebble.caFile], challenges: { http: { alternate_port: httpPort }, 'tls-alpn': { disabled: true }, bind_host: '127.0.0.1' } }] }] },
          },
        },
      });
      await eventually(() => expect(text()).toMatch(/certificate obtained successfully \{"identifier":"solo.example.test"/), 20_000);
      const crt = join(env.XDG_DATA_HOME, 'tsweb', 'certificates', `127.0.0.1-${new URL(pebble.directory).port}-dir`, 'solo.example.test', 'solo.example.test.crt');
      expect(new X509Certificate(readFileSync(crt)).subjectAltName).toBe('DNS:solo.example.test');
    } finally {
      await r.stop();
    }
    // The challenge listener is gone: the port is free again.
    const again = await send(httpPort, '/', {}).catch((err: Error) => err);
    expect(String(again)).toMatch(/ECONNREFUSED/);
  });
});
