import { X509Certificate } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Runtime } from '../../../src/runtime/runtime.js';
import { freePort } from '../../support/free_port.js';
import { startPebble } from '../../support/pebble.js';
import { acmeSite, collect, eventually, getHTTPS } from './helpers.js';

let dir: string;
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'tsweb-acme-misc-'));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const envFor = (sub: string) => ({ ...process.env, XDG_DATA_HOME: join(dir, sub), TSWEB_RETRY_SCALE: '0.001' });

describe('ACME against a difficult CA', () => {
  it('issues while Pebble refuses 30% of good nonces (badNonce retried)', async () => {
    const [httpPort, httpsPort] = [await freePort(), await freePort()];
    const pebble = await startPebble({ httpPort, tlsPort: httpsPort, nonceReject: 30 });
    const r = new Runtime({ env: envFor('nonce'), log: () => {} });
    try {
      await r.load(acmeSite({ name: 'nonce.example.test', pebble, httpPort, httpsPort }));
      const root = await pebble.root();
      const got = await eventually(() => getHTTPS(httpsPort, 'nonce.example.test', root), 30_000);
      expect(got.body).toBe('hello nonce.example.test');
      expect(pebble.output()).toContain('Configured to reject 30% of good nonces');
    } finally {
      await r.stop();
      await pebble.stop();
    }
  });

  it('external account binding: refused with a wrong MAC key (logged, retried), accepted with the right one', async () => {
    const [httpPort, httpsPort] = [await freePort(), await freePort()];
    const macKey = 'zWNDZM6eQGHWpSRTPal5eIUYFTu7EajVIoguysqZ9wG44nMEtx3MUAsUDkMTQ12W';
    const pebble = await startPebble({ httpPort, tlsPort: httpsPort, eab: { 'kid-1': macKey } });
    try {
      const refused = collect();
      let r = new Runtime({ env: envFor('eab-wrong'), log: refused.log });
      try {
        await r.load(acmeSite({ name: 'eab.example.test', pebble, httpPort, httpsPort, issuer: { external_account: { key_id: 'kid-1', mac_key: 'b10lLJs8l1GPIzsLP0s6pMt8O0XVGnfTaCeROxQM0BIt2XrJMDHJZBM5NuQmQJQH' } } }));
        await eventually(() => expect(refused.text()).toMatch(/error tls.obtain will retry .*"identifier":"eab.example.test"/), 10_000);
        expect(refused.text()).toMatch(/could not get certificate from issuer .*(external account|JWS verification|MAC|unauthorized)/i);
        expect(pebble.issued()).toBe(0);
      } finally {
        await r.stop();
      }
      const ok = collect();
      r = new Runtime({ env: envFor('eab-right'), log: ok.log });
      try {
        await r.load(acmeSite({ name: 'eab.example.test', pebble, httpPort, httpsPort, issuer: { external_account: { key_id: 'kid-1', mac_key: macKey } } }));
        const root = await pebble.root();
        const got = await eventually(() => getHTTPS(httpsPort, 'eab.example.test', root));
        expect(got.body).toBe('hello eab.example.test');
        expect(ok.text()).toMatch(/new ACME account registered/);
      } finally {
        await r.stop();
      }
    } finally {
      await pebble.stop();
    }
  });

  it('preferred_chains: the chain whose root has the preferred common name is served', async () => {
    const [httpPort, httpsPort] = [await freePort(), await freePort()];
    const pebble = await startPebble({ httpPort, tlsPort: httpsPort, alternateRoots: 1 });
    try {
      const altRoot = await pebble.root(1);
      const altCN = /CN=([^\n]+)/.exec(new X509Certificate(altRoot).subject)![1]!;
      const { log, text } = collect();
      const r = new Runtime({ env: envFor('chains'), log });
      try {
        await r.load(acmeSite({ name: 'chain.example.test', pebble, httpPort, httpsPort, issuer: { preferred_chains: { root_common_name: [altCN] } } }));
        // Verifies only against the alternate root: the default chain would not.
        const got = await eventually(() => getHTTPS(httpsPort, 'chain.example.test', altRoot));
        expect(got.body).toBe('hello chain.example.test');
        await expect(getHTTPS(httpsPort, 'chain.example.test', await pebble.root(0))).rejects.toThrow();
        expect(text()).toMatch(/successfully downloaded available certificate chains \{"count":2/);
      } finally {
        await r.stop();
      }
    } finally {
      await pebble.stop();
    }
  });
});
