// What a Caddy user does with acme_server, with the built executable: one
// tsweb (`workers 2`) is a CA on https://ca.localhost / https://127.0.0.1,
// a second tsweb names it with the global `acme_ca` + `acme_ca_root` and
// gets its site's certificate over HTTP-01; curl then verifies the site
// against the CA's root. With two workers the requests of one order land on
// both (their state is in the data directory), which the X-Worker header shows.
import { execFile, spawn } from 'node:child_process';
import { X509Certificate } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { request } from 'node:https';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { createServer } from 'node:http';
import { Agent } from 'node:https';
import * as acme from 'acme-client';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { ensureBuilt, freePort, killChildren, startCliEnv, track, until } from './cli-harness.js';

let dir: string;

beforeAll(() => {
  ensureBuilt();
  dir = mkdtempSync(join(tmpdir(), 'tsweb-e2e-acme-server-'));
});
afterEach(killChildren);
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function get(port: number, path: string, ca: string): Promise<{ status: number; worker: string; body: string }> {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, path, ca, agent: false }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (d: string) => (body += d));
      res.on('end', () => resolve({ status: res.statusCode!, worker: String(res.headers['x-worker']), body }));
    });
    req.on('error', reject);
    req.end();
  });
}

describe('acme_server with dist/tsweb', () => {
  it('a second tsweb obtains its certificate from the first over HTTP-01 (acme_ca + acme_ca_root); the CA runs 2 workers', async () => {
    const [caHTTP, caHTTPS, siteHTTP, siteHTTPS] = [await freePort(), await freePort(), await freePort(), await freePort()];
    const caData = join(dir, 'ca-data');
    const caFile = join(dir, 'Caddyfile.ca');
    writeFileSync(
      caFile,
      `{
	admin off
	workers 2
	http_port ${caHTTP}
	https_port ${caHTTPS}
}
https://ca.localhost:${caHTTPS}, https://127.0.0.1:${caHTTPS} {
	header X-Worker {env.TSWEB_WORKER}
	acme_server {
		lifetime 6h
		deny {
			domains denied.example.test
		}
	}
}
`,
    );
    // Tests only: the CA validates on the site's ports, at 127.0.0.1, instead of :80 at the name's address.
    const ca = startCliEnv(['run', '--config', caFile], dir, { XDG_DATA_HOME: caData, TSWEB_ACME_SERVER_HTTP_PORT: String(siteHTTP), TSWEB_ACME_SERVER_DIAL: '127.0.0.1' });
    const rootFile = join(caData, 'tsweb', 'pki', 'authorities', 'local', 'root.crt');
    await until(() => existsSync(rootFile) && /serving/.test(ca.stderr()), 'the CA to serve', 20_000);
    const root = readFileSync(rootFile, 'utf8');
    await until(async () => (await get(caHTTPS, '/acme/local/directory', root).catch(() => ({ status: 0 }))).status === 200, 'the directory', 20_000);

    // Over HTTP/2 too (curl's default here is h2 by ALPN): the directory, and a nonce by HEAD.
    const h2 = await promisify(execFile)('curl', ['-sS', '--http2', '--cacert', rootFile, '-w', '\n%{http_version}', `https://127.0.0.1:${caHTTPS}/acme/local/directory`]);
    expect(h2.stdout).toMatch(new RegExp(`^\\{"newNonce":"https://127.0.0.1:${caHTTPS}/acme/local/new-nonce",.*\\}\\n2$`));
    const head = await promisify(execFile)('curl', ['-sS', '-I', '--http2', '--cacert', rootFile, `https://127.0.0.1:${caHTTPS}/acme/local/new-nonce`]);
    expect(head.stdout).toMatch(/^HTTP\/2 200/);
    expect(head.stdout).toMatch(/^replay-nonce: [\w-]{22}\r$/m);

    const siteFile = join(dir, 'Caddyfile.site');
    writeFileSync(
      siteFile,
      `{
	admin off
	workers 1
	http_port ${siteHTTP}
	https_port ${siteHTTPS}
	acme_ca https://127.0.0.1:${caHTTPS}/acme/local/directory
	acme_ca_root ${rootFile}
}
app.example.test {
	respond "hello from the site"
}
`,
    );
    const t0 = Date.now();
    const site = startCliEnv(['run', '--config', siteFile], dir, { XDG_DATA_HOME: join(dir, 'site-data'), TSWEB_RETRY_SCALE: '0.001' });
    let out = '';
    await until(
      async () => {
        try {
          out = (await promisify(execFile)('curl', ['-sS', '--cacert', rootFile, '--resolve', `app.example.test:${siteHTTPS}:127.0.0.1`, `https://app.example.test:${siteHTTPS}/`])).stdout;
          return true;
        } catch (err) {
          out = (err as Error).message;
          return false;
        }
      },
      'the site to serve its certificate',
      40_000,
    ).catch((err: Error) => {
      throw new Error(`${err.message}: ${out}\n--- site:\n${site.stderr()}\n--- ca:\n${ca.stderr()}`);
    });
    console.log(`certificate from tsweb's acme_server served after ${Date.now() - t0} ms (site start included)`);
    expect(out).toBe('hello from the site');
    expect(site.stderr()).toMatch(/certificate obtained successfully.*"identifier":"app.example.test"/);
    expect(ca.stderr()).toMatch(/certificate issued.*"identifiers":\["app.example.test"\]/);

    // The site's stored certificate: issued by the CA's intermediate, 6 hours.
    const issuerDir = join(dir, 'site-data', 'tsweb', 'certificates', `127.0.0.1-${caHTTPS}-acme-local-directory`, 'app.example.test');
    const leaf = new X509Certificate(readFileSync(join(issuerDir, 'app.example.test.crt')));
    expect(leaf.subjectAltName).toBe('DNS:app.example.test');
    const hours = (Date.parse(leaf.validTo) - Date.parse(leaf.validFrom)) / 3600_000;
    expect(hours).toBeGreaterThan(5.9);
    expect(hours).toBeLessThan(6.1);
    expect(leaf.issuer).toMatch(/ECC Intermediate/);

    // One order driven over a new connection per request: the kernel spreads them over both
    // workers, so nonces, accounts, orders and challenges made in one are used in the other.
    site.child.kill('SIGTERM');
    await site.exited;
    const answers = new Map<string, string>();
    const solver = createServer((req, res) => res.end(answers.get(req.url!.split('/').pop()!) ?? ''));
    await new Promise<void>((r) => solver.listen(siteHTTP, '127.0.0.1', r));
    const workers: string[] = [];
    const agent = new Agent({ ca: root, keepAlive: false });
    acme.axios.defaults.httpsAgent = agent;
    acme.axios.defaults.proxy = false;
    const seen = acme.axios.interceptors.response.use((r) => {
      workers.push(String(r.headers['x-worker']));
      return r;
    });
    try {
      const client = new acme.Client({ directoryUrl: `https://127.0.0.1:${caHTTPS}/acme/local/directory`, accountKey: await acme.crypto.createPrivateRsaKey(2048), backoffMin: 50, backoffMax: 300, backoffAttempts: 40 });
      await client.createAccount({ termsOfServiceAgreed: true });
      await expect(client.createOrder({ identifiers: [{ type: 'dns', value: 'denied.example.test' }] })).rejects.toThrow(/denied by the policy/);
      const o = await client.createOrder({ identifiers: [{ type: 'dns', value: 'direct.example.test' }] });
      for (const authz of await client.getAuthorizations(o)) {
        const ch = authz.challenges.find((c) => c.type === 'http-01')!;
        answers.set(ch.token, await client.getChallengeKeyAuthorization(ch));
        await client.completeChallenge(ch);
        await client.waitForValidStatus(ch);
      }
      const [, csr] = await acme.crypto.createCsr({ altNames: ['direct.example.test'] });
      const pem = await client.getCertificate(await client.finalizeOrder(o, csr));
      expect(new X509Certificate(pem).subjectAltName).toBe('DNS:direct.example.test');
    } finally {
      acme.axios.interceptors.response.eject(seen);
      agent.destroy();
      solver.closeAllConnections();
      await new Promise((r) => solver.close(r));
    }
    expect(workers.length).toBeGreaterThan(8);
    expect([...new Set(workers)].sort()).toEqual(['1', '2']);
  }, 90_000);

  it('Caddy 2.6.2 gets its certificate from tsweb\'s acme_server (acme_ca + acme_ca_root)', async () => {
    const [caHTTPS, siteHTTP, siteHTTPS] = [await freePort(), await freePort(), await freePort()];
    const caData = join(dir, 'ca-for-caddy');
    const caFile = join(dir, 'Caddyfile.ca2');
    writeFileSync(caFile, `{\n\tadmin off\n\thttp_port ${await freePort()}\n\thttps_port ${caHTTPS}\n}\nhttps://127.0.0.1:${caHTTPS} {\n\tacme_server\n}\n`);
    const ca = startCliEnv(['run', '--config', caFile], dir, {
      XDG_DATA_HOME: caData,
      TSWEB_ACME_SERVER_HTTP_PORT: String(siteHTTP),
      TSWEB_ACME_SERVER_TLS_PORT: String(siteHTTPS),
      TSWEB_ACME_SERVER_DIAL: '127.0.0.1',
    });
    const rootFile = join(caData, 'tsweb', 'pki', 'authorities', 'local', 'root.crt');
    await until(() => existsSync(rootFile) && /serving/.test(ca.stderr()), 'the CA to serve', 20_000);
    const caddyDir = join(dir, 'caddy');
    const caddyfile = join(dir, 'Caddyfile.caddy');
    writeFileSync(
      caddyfile,
      `{\n\tadmin off\n\tskip_install_trust\n\thttp_port ${siteHTTP}\n\thttps_port ${siteHTTPS}\n\tacme_ca https://127.0.0.1:${caHTTPS}/acme/local/directory\n\tacme_ca_root ${rootFile}\n}\ncaddy.example.test {\n\trespond "hello from caddy"\n}\n`,
    );
    const caddy = track(spawn('caddy', ['run', '--config', caddyfile, '--adapter', 'caddyfile'], { cwd: dir, env: { PATH: process.env.PATH, HOME: caddyDir, XDG_DATA_HOME: caddyDir, XDG_CONFIG_HOME: caddyDir }, stdio: ['ignore', 'ignore', 'pipe'] }));
    let caddyErr = '';
    caddy.stderr!.on('data', (d: Buffer) => (caddyErr += d.toString()));
    let out = '';
    await until(
      async () => {
        try {
          out = (await promisify(execFile)('curl', ['-sS', '--cacert', rootFile, '--resolve', `caddy.example.test:${siteHTTPS}:127.0.0.1`, `https://caddy.example.test:${siteHTTPS}/`])).stdout;
          return true;
        } catch (err) {
          out = (err as Error).message;
          return false;
        }
      },
      'Caddy to serve the certificate',
      60_000,
    ).catch((err: Error) => {
      throw new Error(`${err.message}: ${out}\n--- caddy:\n${caddyErr}\n--- ca:\n${ca.stderr()}`);
    });
    expect(out).toBe('hello from caddy');
    expect(caddyErr).toMatch(/certificate obtained successfully.*"identifier":"caddy.example.test"/);
    expect(ca.stderr()).toMatch(/certificate issued.*"identifiers":\["caddy.example.test"\]/);
  }, 90_000);
});
