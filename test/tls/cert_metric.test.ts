// tsweb_tls_certificate_expiration_timestamp_seconds: one series per
// certificate in the cache (the internal one for localhost, the user's own),
// read when scraped, gone with the config that loaded it.
import { execFileSync } from 'node:child_process';
import { X509Certificate } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { request } from 'node:https';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { TLSSocket } from 'node:tls';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Runtime } from '../../src/runtime/runtime.js';
import { validateConfig } from '../../src/runtime/validate.js';
import { respond, send } from '../support/client.js';
import { freePort } from '../support/free_port.js';
import { find, parseProm, value } from '../modules/metrics/prom_text.js';
import { askServer, handshake, onDemandSite } from './on_demand_support.js';

const NAME = 'tsweb_tls_certificate_expiration_timestamp_seconds';
let dir: string;
let env: NodeJS.ProcessEnv;

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'tsweb-certmetric-'));
  env = { ...process.env, XDG_DATA_HOME: join(dir, 'data') };
  execFileSync('openssl', ['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes', '-keyout', 'man.key', '-out', 'man.crt', '-days', '3', '-subj', '/CN=My Test CA', '-addext', 'subjectAltName=DNS:manual.test,DNS:www.manual.test'], { cwd: dir, stdio: 'pipe' });
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** The notAfter of the certificate the server hands localhost, in Unix seconds. */
function servedNotAfter(port: number): Promise<number> {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, servername: 'localhost', headers: { host: 'localhost' }, rejectUnauthorized: false, agent: false }, (res) => {
      const cert = (res.socket as TLSSocket).getPeerCertificate();
      res.resume();
      res.on('end', () => resolve(Math.floor(new Date(cert.valid_to).getTime() / 1000)));
    });
    req.on('error', reject);
    req.end();
  });
}

function config(ports: { http: number; https: number; metrics: number }, withManual: boolean): unknown {
  return {
    apps: {
      ...(withManual ? { tls: { certificates: { load_files: [{ certificate: join(dir, 'man.crt'), key: join(dir, 'man.key') }] } } } : {}),
      http: {
        http_port: ports.http,
        https_port: ports.https,
        servers: {
          site: { listen: [`127.0.0.1:${ports.https}`], routes: [{ match: [{ host: ['localhost'] }], handle: [respond('hi')], terminal: true }] },
          scrape: { listen: [`127.0.0.1:${ports.metrics}`], routes: [{ handle: [{ handler: 'metrics' }] }] },
        },
      },
    },
  };
}

describe(NAME, () => {
  it('shows the internal and the manual certificate with their notAfter, and drops the manual one on reload', async () => {
    const ports = { http: await freePort(), https: await freePort(), metrics: await freePort() };
    const r = new Runtime({ env });
    try {
      await r.load(config(ports, true));
      const internal = await servedNotAfter(ports.https);
      const manual = Math.floor(new Date(new X509Certificate(readFileSync(join(dir, 'man.crt'))).validTo).getTime() / 1000);

      let e = parseProm((await send(ports.metrics, '/')).text);
      expect(e.types.get(NAME)).toBe('gauge');
      expect(value(e, NAME, { subject: 'localhost', issuer: 'local', managed: 'true' })).toBe(internal);
      // The user's own certificate: its first SAN, and its CA's name (there is no issuer key).
      expect(value(e, NAME, { subject: 'manual.test', issuer: 'My Test CA', managed: 'false' })).toBe(manual);
      // One series per certificate, not per name it covers.
      expect(find(e, NAME)).toHaveLength(2);
      // Expiry in the future, as a Unix time (dashboards subtract time()).
      expect(internal * 1000).toBeGreaterThan(Date.now());

      // Without a tls app the http app's own manager serves localhost: still shown, the manual one gone.
      await r.load(config(ports, false));
      e = parseProm((await send(ports.metrics, '/')).text);
      expect(find(e, NAME, { subject: 'manual.test' })).toEqual([]);
      expect(find(e, NAME)).toHaveLength(1);
      expect(value(e, NAME, { subject: 'localhost', issuer: 'local', managed: 'true' })).toBe(await servedNotAfter(ports.https));
    } finally {
      await r.stop();
    }
    // Stopped: no certificate left behind in the process's registry.
    const { metricsText } = await import('../../src/core/metrics/index.js');
    expect(find(parseProm(await metricsText()), NAME)).toEqual([]);
  });

  it('shows a certificate obtained on demand once a handshake got it', async () => {
    const ask = await askServer();
    const port = await freePort();
    const r = new Runtime({ env });
    try {
      await r.load(onDemandSite({ port, httpPort: await freePort(), ask: ask.url }));
      const { metricsText } = await import('../../src/core/metrics/index.js');
      expect(find(parseProm(await metricsText()), NAME)).toEqual([]);
      const { cert } = await handshake(port, 'od.example.test', readFileSync(join(dir, 'data', 'tsweb', 'pki', 'authorities', 'local', 'root.crt')));
      const e = parseProm(await metricsText());
      expect(find(e, NAME)).toHaveLength(1);
      expect(value(e, NAME, { subject: 'od.example.test', issuer: 'local', managed: 'true' })).toBe(Math.floor(new Date(cert.valid_to).getTime() / 1000));
    } finally {
      await r.stop();
      await ask.close();
    }
  });

  it('shows nothing for a config that is only validated', async () => {
    const ports = { http: await freePort(), https: await freePort(), metrics: await freePort() };
    validateConfig(config(ports, true), { env });
    const { metricsText } = await import('../../src/core/metrics/index.js');
    expect(find(parseProm(await metricsText()), NAME)).toEqual([]);
  });
});
