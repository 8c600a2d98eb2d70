/**
 * On-demand TLS with the ACME issuer against Pebble: the certificate is
 * ordered during the first handshake (TLS-ALPN-01, answered on the same
 * listener while that handshake waits), only when the permission endpoint
 * allows it, and once for concurrent handshakes. Prints the time of the
 * first on-demand handshake (account registration included).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Runtime } from '../../src/runtime/runtime.js';
import { freePort } from '../support/free_port.js';
import { startPebble, type Pebble } from '../support/pebble.js';
import { askServer, type AskServer, collectLogs, handshake, onDemandSite } from './on_demand_support.js';

let pebble: Pebble;
let dir: string;
let httpPort: number;
let httpsPort: number;
let root: Buffer;
let ask: AskServer;
let runtime: Runtime;
const logs = collectLogs();

beforeAll(async () => {
  httpPort = await freePort();
  httpsPort = await freePort();
  pebble = await startPebble({ httpPort, tlsPort: httpsPort });
  root = Buffer.from(await pebble.root());
  dir = mkdtempSync(join(tmpdir(), 'tsweb-ondemand-acme-'));
  ask = await askServer((d) => (d.startsWith('no.') ? 403 : 200));
  runtime = new Runtime({ env: { ...process.env, XDG_DATA_HOME: join(dir, 'data'), TSWEB_RETRY_SCALE: '0.001' }, log: logs.log });
  await runtime.load(
    onDemandSite({
      port: httpsPort,
      httpPort,
      ask: ask.url,
      issuers: [{ module: 'acme', ca: pebble.directory, trusted_roots_pem_files: [pebble.caFile], challenges: { http: { disabled: true } } }],
    }),
  );
}, 60_000);
afterAll(async () => {
  await runtime?.stop();
  await ask?.close();
  await pebble?.stop();
  rmSync(dir, { recursive: true, force: true });
});

describe('on-demand TLS with ACME (Pebble)', () => {
  it('approved: the first handshake waits for the order and gets a certificate Pebble signed', async () => {
    const before = pebble.issued();
    const first = await handshake(httpsPort, 'od.example.test', root, 60_000);
    console.log(`first on-demand handshake with ACME (Pebble, TLS-ALPN-01, account registration included): ${Math.round(first.ms)} ms`);
    expect(first.cert.subjectaltname).toBe('DNS:od.example.test');
    expect(pebble.issued()).toBe(before + 1);
    expect(ask.asks.filter((a) => a.domain === 'od.example.test')).toEqual([{ domain: 'od.example.test', ip: '127.0.0.1', url: '/check?domain=od.example.test&ip=127.0.0.1' }]);
    const again = await handshake(httpsPort, 'od.example.test', root);
    expect(again.cert.serialNumber).toBe(first.cert.serialNumber);
    console.log(`next handshake (cached): ${Math.round(again.ms)} ms`);
  }, 90_000);

  it('denied: the handshake fails fast and nothing is ordered', async () => {
    const before = pebble.issued();
    const t0 = performance.now();
    await expect(handshake(httpsPort, 'no.example.test', root)).rejects.toThrow();
    expect(performance.now() - t0).toBeLessThan(5000);
    await expect(handshake(httpsPort, 'no.example.test', root)).rejects.toThrow();
    expect(ask.asks.filter((a) => a.domain === 'no.example.test')).toHaveLength(1);
    expect(pebble.issued()).toBe(before);
  });

  it('4 concurrent first handshakes for one name: one ask, one order', async () => {
    const before = pebble.issued();
    const all = await Promise.all([1, 2, 3, 4].map(() => handshake(httpsPort, 'four.example.test', root, 60_000)));
    expect(new Set(all.map((h) => h.cert.serialNumber)).size).toBe(1);
    expect(all[0]!.cert.subjectaltname).toBe('DNS:four.example.test');
    expect(ask.asks.filter((a) => a.domain === 'four.example.test')).toHaveLength(1);
    expect(pebble.issued()).toBe(before + 1);
    expect(logs.lines.filter((l) => l.msg === 'obtaining new certificate' && l.fields.server_name === 'four.example.test')).toHaveLength(1);
  }, 90_000);
});
