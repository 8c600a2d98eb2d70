// Challenges another instance presented (only in the shared storage) are
// answered here: HTTP-01 on the http_port before any route, TLS-ALPN-01 on
// the HTTPS listener; anything else under /.well-known/acme-challenge/ goes
// on to the routes. No CA involved: the challenges are written to storage as
// the other instance would.
import { createHash, X509Certificate } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { connect } from 'node:tls';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Runtime } from '../../../src/runtime/runtime.js';
import { storeChallenge } from '../../../src/tls/challenges.js';
import { FileStorage } from '../../../src/tls/file_storage.js';
import { acmeIssuerKey } from '../../../src/tls/storage_keys.js';
import { validateConfig } from '../../../src/runtime/validate.js';
import { freePort } from '../../support/free_port.js';
import { send } from '../../support/client.js';
import { collect, eventually } from './helpers.js';

let dir: string;
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'tsweb-acme-dist-'));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('distributed challenge solving', () => {
  it('answers HTTP-01 and TLS-ALPN-01 challenges found in storage; other paths reach the routes', async () => {
    const [httpPort, httpsPort, deadCA] = [await freePort(), await freePort(), await freePort()];
    const ca = `https://127.0.0.1:${deadCA}/directory`;
    const data = join(dir, 'data');
    const { log, text } = collect();
    const r = new Runtime({ env: { ...process.env, XDG_DATA_HOME: data, TSWEB_RETRY_SCALE: '1' }, log });
    try {
      await r.load({
        apps: {
          tls: { automation: { policies: [{ subjects: ['d.example.test'], issuers: [{ module: 'acme', ca }] }] } },
          http: { http_port: httpPort, https_port: httpsPort, servers: { s: { listen: [`127.0.0.1:${httpsPort}`], routes: [{ match: [{ host: ['d.example.test'] }], handle: [{ handler: 'static_response', body: 'site' }] }] } } },
        },
      });
      const storage = new FileStorage(join(data, 'tsweb'));
      const issuerKey = acmeIssuerKey(ca);
      await storeChallenge(storage, issuerKey, { type: 'http-01', url: 'https://ca/chal/1', status: 'pending', token: 'tok123', keyAuthorization: 'tok123.thumb', identifier: { type: 'dns', value: 'd.example.test' } });
      await storeChallenge(storage, issuerKey, { type: 'tls-alpn-01', url: 'https://ca/chal/2', status: 'pending', token: 'tok456', keyAuthorization: 'tok456.thumb', identifier: { type: 'dns', value: 'alpn.example.test' } });

      const ok = await eventually(async () => {
        const res = await send(httpPort, '/.well-known/acme-challenge/tok123', { headers: { host: 'd.example.test:80' } });
        expect(res.status).toBe(200);
        return res;
      }, 5000);
      expect(ok.text).toBe('tok123.thumb');
      expect(ok.headers['content-type']).toBe('text/plain');
      expect(text()).toMatch(/info tls.issuance.acme served key authentication \{"identifier":"d.example.test","challenge":"http-01","remote":"127.0.0.1","distributed":true\}/);
      // A wrong token, or another host: the routes (here the HTTPS redirect) answer.
      expect((await send(httpPort, '/.well-known/acme-challenge/nope', { headers: { host: 'd.example.test' } })).status).toBe(308);
      expect((await send(httpPort, '/.well-known/acme-challenge/tok123', { headers: { host: 'other.example.test' } })).status).not.toBe(200);

      const cert = await new Promise<X509Certificate>((resolve, reject) => {
        const s = connect({ host: '127.0.0.1', port: httpsPort, servername: 'alpn.example.test', ALPNProtocols: ['acme-tls/1'], rejectUnauthorized: false }, () => {
          expect(s.alpnProtocol).toBe('acme-tls/1');
          resolve(new X509Certificate(s.getPeerCertificate().raw));
          s.end();
        });
        s.on('error', reject);
      });
      expect(cert.subjectAltName).toBe('DNS:alpn.example.test');
      // id-pe-acmeIdentifier holds the SHA-256 of the key authorization (RFC 8737).
      const digest = createHash('sha256').update('tok456.thumb').digest();
      expect(Buffer.from(cert.raw).includes(Buffer.concat([Buffer.from([0x04, 0x20]), digest]))).toBe(true);
      expect(text()).toMatch(/info tls served key authentication certificate \{"server_name":"alpn.example.test","challenge":"tls-alpn-01"/);
    } finally {
      await r.stop();
    }
  });

  it('refuses bad ACME issuer settings at load with their JSON path', () => {
    const missing = join(dir, 'nope.pem');
    const policy = (issuer: Record<string, unknown>) => ({ apps: { tls: { automation: { policies: [{ issuers: [{ module: 'acme', ...issuer }] }] } } } });
    expect(() => validateConfig(policy({ trusted_roots_pem_files: [missing] }))).toThrow(`automation.policies[0].issuers[0].trusted_roots_pem_files[0]: loading trusted root CA's PEM file: open ${missing}: no such file or directory`);
    expect(() => validateConfig(policy({ challenges: { http: { alternate_port: 'x' } } }))).toThrow(/issuers\[0\]\.challenges\.http\.alternate_port: json: cannot unmarshal string/);
    expect(() => validateConfig(policy({ bogus: 1 }))).toThrow(/issuers\[0\]: json: unknown field "bogus"/);
    expect(() => validateConfig({ apps: { tls: { automation: { policies: [{ key_type: 'p999' }] } } } })).toThrow(/policies\[0\]\.key_type: unrecognized key type: p999/);
    expect(() => validateConfig({ storage: { module: 'nope' }, apps: { tls: {} } })).toThrow(/storage: unknown module: caddy.storage.nope/);
  });
});
