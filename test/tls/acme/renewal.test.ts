import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer, request, type Server } from 'node:https';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Runtime } from '../../../src/runtime/runtime.js';
import { freePort } from '../../support/free_port.js';
import { startPebble, type Pebble } from '../../support/pebble.js';
import { acmeSite, collect, eventually, getHTTPS } from './helpers.js';

let pebble: Pebble;
let dir: string;
let httpPort: number;
let httpsPort: number;
let root: string;

beforeAll(async () => {
  httpPort = await freePort();
  httpsPort = await freePort();
  // Certificates valid for 6 s: renewal is due after 4.
  pebble = await startPebble({ httpPort, tlsPort: httpsPort, validitySeconds: 6 });
  dir = mkdtempSync(join(tmpdir(), 'tsweb-acme-renew-'));
  root = await pebble.root();
});
afterAll(async () => {
  await pebble?.stop();
  rmSync(dir, { recursive: true, force: true });
});

const envFor = (sub: string) => ({ ...process.env, XDG_DATA_HOME: join(dir, sub), TSWEB_RETRY_SCALE: '0.001' });

function fetchText(url: string, ca: Buffer): Promise<string> {
  return new Promise((resolve, reject) => {
    request(url, { ca }, (res) => {
      let body = '';
      res.on('data', (c: Buffer) => (body += c.toString()));
      res.on('end', () => resolve(body));
    })
      .on('error', reject)
      .end();
  });
}

describe('ACME renewal', () => {
  it('renews when a third of the lifetime remains and swaps the new certificate in', async () => {
    const { log, text } = collect();
    const r = new Runtime({ env: envFor('ratio'), log });
    try {
      await r.load(acmeSite({ name: 'renew.example.test', pebble, httpPort, httpsPort }));
      const first = await eventually(() => getHTTPS(httpsPort, 'renew.example.test', root));
      const issued = pebble.issued();
      await eventually(() => expect(text()).toMatch(/info tls.renew certificate renewed successfully \{"identifier":"renew.example.test"/), 10_000);
      expect(pebble.issued()).toBe(issued + 1);
      const second = await getHTTPS(httpsPort, 'renew.example.test', root);
      expect(second.body).toBe('hello renew.example.test');
      expect(second.cert.serialNumber).not.toBe(first.cert.serialNumber);
      expect(text()).toMatch(/tls.cache.maintenance certificate expires soon; queuing for renewal/);
    } finally {
      await r.stop();
    }
  });

  it('ARI: renews inside the window the CA suggests (renewalInfo), naming the certificate it replaces', async () => {
    // The directory as Pebble gives it plus a renewalInfo endpoint served here (Pebble 2.4 has no ARI).
    const ca = readFileSync(pebble.caFile);
    const asked: string[] = [];
    let firstID = '';
    const proxy: Server = createServer({ cert: readFileSync(pebble.certFile), key: readFileSync(pebble.keyFile) }, (req, res) => {
      const port = (proxy.address() as { port: number }).port;
      if (req.url === '/dir') {
        void fetchText(pebble.directory, ca).then((body) => {
          const dirJSON = JSON.parse(body) as Record<string, unknown>;
          dirJSON.renewalInfo = `https://127.0.0.1:${port}/renewal-info`;
          res.writeHead(200, { 'Content-Type': 'application/json' }).end(JSON.stringify(dirJSON));
        });
        return;
      }
      const id = (req.url ?? '').replace('/renewal-info/', '');
      asked.push(id);
      firstID ||= id;
      const now = Date.now();
      // The first certificate: its window has passed; any later one: far ahead.
      const window = id === firstID ? { start: new Date(now - 3600_000), end: new Date(now - 60_000) } : { start: new Date(now + 86_400_000), end: new Date(now + 2 * 86_400_000) };
      res.writeHead(200, { 'Content-Type': 'application/json', 'Retry-After': '3600' }).end(JSON.stringify({ suggestedWindow: { start: window.start.toISOString(), end: window.end.toISOString() } }));
    });
    await new Promise<void>((res) => proxy.listen(0, '127.0.0.1', () => res()));
    const directory = `https://127.0.0.1:${(proxy.address() as { port: number }).port}/dir`;
    const { log, text } = collect();
    // Pebble's lifetime here is 6 s; the ratio 0.01 keeps the lifetime rule out of the way for this test.
    const r = new Runtime({ env: envFor('ari'), log });
    try {
      await r.load(acmeSite({ name: 'ari.example.test', pebble, httpPort, httpsPort, issuer: { ca: directory }, policy: { renewal_window_ratio: 0.01 }, automation: { renew_interval: '200ms' } }));
      const first = await eventually(() => getHTTPS(httpsPort, 'ari.example.test', root));
      await eventually(() => expect(text()).toMatch(/tls.renew certificate renewed successfully/), 10_000);
      expect(text()).toMatch(/info tls.cache.maintenance certificate needs renewal based on ARI window/);
      const second = await eventually(async () => {
        const got = await getHTTPS(httpsPort, 'ari.example.test', root);
        expect(got.cert.serialNumber).not.toBe(first.cert.serialNumber);
        return got;
      });
      expect(second.body).toBe('hello ari.example.test');
      // The ID is base64url(AKI).base64url(serial): its serial part is the first certificate's.
      const [, serial] = firstID.split('.');
      expect(Buffer.from(serial!, 'base64url').toString('hex').replace(/^00/, '').toUpperCase()).toBe(first.cert.serialNumber.toUpperCase().replace(/^0+/, ''));
      // The renewed certificate is asked about in turn (and its window is ahead: no further renewal).
      await eventually(() => expect(asked.length).toBeGreaterThanOrEqual(2), 5000);
      expect(text().match(/certificate renewed successfully/g)).toHaveLength(1);
    } finally {
      await r.stop();
      proxy.close();
    }
  });
});
