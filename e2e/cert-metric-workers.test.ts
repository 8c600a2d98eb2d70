// With `workers 2` every worker loads the same certificates; the admin
// API's /metrics shows each once, at its notAfter (taken once, not summed).
import { execFileSync } from 'node:child_process';
import { X509Certificate } from 'node:crypto';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeAll, expect, it } from 'vitest';
import { ensureBuilt, freePort, killChildren, startCliEnv, until } from './cli-harness.js';

beforeAll(() => ensureBuilt());
afterEach(() => killChildren());

function get(port: number, path: string): Promise<string> {
  return new Promise((res, rej) => {
    const req = request({ host: '127.0.0.1', port, path, agent: false }, (r) => {
      let body = '';
      r.setEncoding('utf8');
      r.on('data', (d: string) => (body += d));
      r.on('end', () => res(body));
    });
    req.on('error', rej);
    req.end();
  });
}

const NAME = 'tsweb_tls_certificate_expiration_timestamp_seconds';

it('workers 2: each certificate once in /metrics, with its notAfter', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'tsweb-certmetric-e2e-'));
  execFileSync('openssl', ['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes', '-keyout', 'man.key', '-out', 'man.crt', '-days', '2', '-subj', '/CN=Test CA', '-addext', 'subjectAltName=DNS:manual.test'], { cwd: dir, stdio: 'pipe' });
  const notAfter = Math.floor(new Date(new X509Certificate(readFileSync(join(dir, 'man.crt'))).validTo).getTime() / 1000);
  const [https, http, admin] = [await freePort(), await freePort(), await freePort()];
  const config = {
    admin: { listen: `127.0.0.1:${admin}` },
    apps: {
      tls: { certificates: { load_files: [{ certificate: join(dir, 'man.crt'), key: join(dir, 'man.key') }] } },
      http: {
        workers: 2,
        http_port: http,
        https_port: https,
        servers: { s: { listen: [`127.0.0.1:${https}`], routes: [{ match: [{ host: ['localhost'] }], handle: [{ handler: 'static_response', body: 'hi' }], terminal: true }] } },
      },
    },
  };
  writeFileSync(join(dir, 'config.json'), JSON.stringify(config));
  const p = startCliEnv(['run', '--config', 'config.json'], dir, {});
  await until(() => p.stderr().includes('serving initial configuration'), 'startup', 20000);

  const lines = (await get(admin, '/metrics')).split('\n').filter((l) => l.startsWith(`${NAME}{`));
  const valueOf = (l: string) => Number(l.slice(l.lastIndexOf(' ') + 1));
  expect(lines).toHaveLength(2);
  const manual = lines.filter((l) => l.includes('subject="manual.test"'));
  expect(manual).toHaveLength(1);
  expect(manual[0]).toContain('issuer="Test CA"');
  expect(manual[0]).toContain('managed="false"');
  // Summed over the two workers it would read twice the notAfter.
  expect(valueOf(manual[0]!)).toBe(notAfter);
  const local = lines.filter((l) => l.includes('subject="localhost"'));
  expect(local).toHaveLength(1);
  expect(local[0]).toContain('issuer="local"');
  expect(local[0]).toContain('managed="true"');
  expect(valueOf(local[0]!) * 1000).toBeGreaterThan(Date.now());
  expect(valueOf(local[0]!) * 1000).toBeLessThan(Date.now() + 366 * 86400_000);
}, 60_000);
