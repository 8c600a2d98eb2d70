/**
 * On-demand TLS with the internal issuer, through the Runtime and real
 * sockets: the permission endpoint's answers, one issuance for concurrent
 * handshakes, storage reused after a restart, and the load-time checks.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { request } from 'node:https';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { adaptCaddyfile } from '../../src/adapt/index.js';
import { Runtime } from '../../src/runtime/runtime.js';
import { storageFromConfig } from '../../src/tls/data_dir.js';
import { CertificateAuthority } from '../../src/tls/pki/ca.js';
import { validateConfig } from '../../src/runtime/validate.js';
import { freePort } from '../support/free_port.js';
import { askServer, collectLogs, handshake, onDemandSite } from './on_demand_support.js';

let dir: string;
let env: NodeJS.ProcessEnv;
const rootCA = () => readFileSync(join(dir, 'data', 'tsweb', 'pki', 'authorities', 'local', 'root.crt'));

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'tsweb-ondemand-'));
  env = { ...process.env, XDG_DATA_HOME: join(dir, 'data') };
  // The local CA the servers will use, made now so clients can trust its root from the first handshake.
  await CertificateAuthority.load(storageFromConfig(undefined, env), { id: 'local' });
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function get(port: number, host: string): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, servername: host, headers: { host }, ca: rootCA(), agent: false }, (res) => {
      let body = '';
      res.on('data', (c: Buffer) => (body += c.toString()));
      res.on('end', () => resolve({ status: res.statusCode!, body }));
    });
    req.on('error', reject);
    req.end();
  });
}

describe('on-demand TLS (internal issuer)', () => {
  it('asks the permission endpoint with domain and ip, then serves a certificate for the name', async () => {
    const ask = await askServer();
    const logs = collectLogs();
    const port = await freePort();
    const r = new Runtime({ env, log: logs.log });
    try {
      await r.load(onDemandSite({ port, httpPort: await freePort(), ask: `${ask.url}?token=s3cret` }));
      expect(ask.asks).toEqual([]);
      const first = await handshake(port, 'a.example.test', rootCA());
      console.log(`first on-demand handshake with the internal issuer (ask included): ${Math.round(first.ms)} ms`);
      expect(first.cert.subjectaltname).toBe('DNS:a.example.test');
      const got = await get(port, 'a.example.test');
      expect(got.body).toBe('hi a.example.test');
      expect(ask.asks).toEqual([{ domain: 'a.example.test', ip: '127.0.0.1', url: '/check?domain=a.example.test&ip=127.0.0.1&token=s3cret' }]);
      const again = await handshake(port, 'a.example.test', rootCA());
      expect(again.cert.subjectaltname).toBe('DNS:a.example.test');
      // Served from the cache now: nobody is asked twice.
      expect(ask.asks).toHaveLength(1);
      expect(logs.lines.find((l) => l.msg === 'obtaining new certificate')).toMatchObject({ logger: 'tls.on_demand', fields: { server_name: 'a.example.test', remote_ip: '127.0.0.1' } });
      expect(logs.count('certificate obtained successfully')).toBe(1);
    } finally {
      await r.stop();
      await ask.close();
    }
  });

  it('a denied name fails the handshake at once and is not asked about again for a while', async () => {
    const ask = await askServer((d) => (d === 'ok.example.test' ? 200 : 403));
    const logs = collectLogs();
    const port = await freePort();
    const r = new Runtime({ env, log: logs.log });
    try {
      await r.load(onDemandSite({ port, httpPort: await freePort(), ask: ask.url }));
      const t0 = performance.now();
      await expect(handshake(port, 'no.example.test', rootCA())).rejects.toThrow();
      expect(performance.now() - t0).toBeLessThan(5000);
      await expect(handshake(port, 'no.example.test', rootCA())).rejects.toThrow();
      await expect(handshake(port, 'no.example.test', rootCA())).rejects.toThrow();
      expect(ask.asks.map((a) => a.domain)).toEqual(['no.example.test']);
      expect(logs.lines.find((l) => l.msg === 'on-demand certificate issuance denied')?.fields.error).toMatch(/no\.example\.test: certificate not allowed by permission module .* - non-2xx status code 403/);
      expect(logs.count('certificate obtained successfully')).toBe(0);
      // Other names are unaffected.
      expect((await handshake(port, 'ok.example.test', rootCA())).cert.subjectaltname).toBe('DNS:ok.example.test');
    } finally {
      await r.stop();
      await ask.close();
    }
  });

  it('a redirect or an unreachable endpoint is an error, not a denial: logged, and asked again next time', async () => {
    const ask = await askServer(() => 302);
    const logs = collectLogs();
    const port = await freePort();
    const r = new Runtime({ env, log: logs.log });
    try {
      await r.load(onDemandSite({ port, httpPort: await freePort(), ask: ask.url }));
      await expect(handshake(port, 'redir.example.test', rootCA())).rejects.toThrow();
      await expect(handshake(port, 'redir.example.test', rootCA())).rejects.toThrow();
      expect(ask.asks).toHaveLength(2);
      const failed = logs.lines.filter((l) => l.msg === 'failed to get permission for on-demand certificate');
      expect(failed[0]).toMatchObject({ level: 'error', logger: 'tls', fields: { domain: 'redir.example.test' } });
      expect(failed[0]!.fields.error).toMatch(/following http redirects is not allowed/);
      await ask.close();
      await expect(handshake(port, 'down.example.test', rootCA())).rejects.toThrow();
      expect(logs.lines.filter((l) => l.msg === 'failed to get permission for on-demand certificate').at(-1)!.fields.error).toMatch(
        new RegExp(`checking ${ask.url.replace(/[.?]/g, '\\$&')} to determine if certificate for hostname 'down.example.test' should be allowed: .*ECONNREFUSED`),
      );
      expect(logs.count('certificate obtained successfully')).toBe(0);
    } finally {
      await r.stop();
      await ask.close();
    }
  });

  it('4 concurrent first handshakes for one name wait on one ask and one issuance', async () => {
    const ask = await askServer();
    const logs = collectLogs();
    const port = await freePort();
    const r = new Runtime({ env, log: logs.log });
    try {
      await r.load(onDemandSite({ port, httpPort: await freePort(), ask: ask.url }));
      const all = await Promise.all([1, 2, 3, 4].map(() => handshake(port, 'four.example.test', rootCA())));
      expect(new Set(all.map((h) => h.cert.serialNumber)).size).toBe(1);
      expect(ask.asks).toHaveLength(1);
      expect(logs.count('certificate obtained successfully')).toBe(1);
      expect(logs.count('obtaining new certificate')).toBe(1);
    } finally {
      await r.stop();
      await ask.close();
    }
  });

  it('a restart serves the stored certificate: asked again, nothing issued', async () => {
    const ask = await askServer();
    const port = await freePort();
    const httpPort = await freePort();
    const first = new Runtime({ env });
    let serial: string;
    try {
      await first.load(onDemandSite({ port, httpPort, ask: ask.url }));
      serial = (await handshake(port, 'kept.example.test', rootCA())).cert.serialNumber;
    } finally {
      await first.stop();
    }
    const logs = collectLogs();
    const second = new Runtime({ env, log: logs.log });
    try {
      await second.load(onDemandSite({ port, httpPort, ask: ask.url }));
      expect((await handshake(port, 'kept.example.test', rootCA())).cert.serialNumber).toBe(serial);
      expect(logs.count('certificate obtained successfully')).toBe(0);
      expect(logs.count('loaded certificate from storage')).toBe(1);
      // certmagic asks before loading from storage, so a name no longer allowed is not served.
      expect(ask.asks.map((a) => a.domain)).toEqual(['kept.example.test', 'kept.example.test']);
    } finally {
      await second.stop();
      await ask.close();
    }
  });

  it('names with a manual or managed certificate never go on demand', async () => {
    const ask = await askServer();
    const port = await freePort();
    const r = new Runtime({ env });
    try {
      execFileSync('openssl', ['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes', '-keyout', join(dir, 'm.key'), '-out', join(dir, 'm.crt'), '-days', '1', '-subj', '/CN=manual.example.test', '-addext', 'subjectAltName=DNS:manual.example.test'], { stdio: 'pipe' });
      await r.load(
        onDemandSite({
          port,
          httpPort: await freePort(),
          ask: ask.url,
          policies: [{ subjects: ['managed.example.test'], issuers: [{ module: 'internal' }] }],
          tls: { certificates: { automate: ['managed.example.test'], load_files: [{ certificate: join(dir, 'm.crt'), key: join(dir, 'm.key') }] } },
        }),
      );
      expect((await handshake(port, 'managed.example.test', rootCA())).cert.subjectaltname).toBe('DNS:managed.example.test');
      expect((await handshake(port, 'manual.example.test', readFileSync(join(dir, 'm.crt')))).cert.subjectaltname).toBe('DNS:manual.example.test');
      expect(ask.asks).toEqual([]);
    } finally {
      await r.stop();
      await ask.close();
    }
  });

  it('renews an on-demand certificate at a handshake once it is due, asking again', async () => {
    const ask = await askServer();
    const port = await freePort();
    const r = new Runtime({ env });
    try {
      await r.load(onDemandSite({ port, httpPort: await freePort(), ask: ask.url, issuers: [{ module: 'internal', lifetime: '9s' }] }));
      const first = await handshake(port, 'short.example.test', rootCA());
      // Due once a third of its life is left (6 s after notBefore): the due handshake still gets the old one, renewal runs behind it.
      const from = Date.parse(first.cert.valid_from);
      const to = Date.parse(first.cert.valid_to);
      await new Promise((res) => setTimeout(res, Math.max(0, from + ((to - from) * 2) / 3 + 300 - Date.now())));
      expect((await handshake(port, 'short.example.test', rootCA())).cert.serialNumber).toBe(first.cert.serialNumber);
      await expect.poll(() => ask.asks.length, { timeout: 5000 }).toBe(2);
      await expect.poll(async () => (await handshake(port, 'short.example.test', rootCA())).cert.serialNumber, { timeout: 5000 }).not.toBe(first.cert.serialNumber);
    } finally {
      await r.stop();
      await ask.close();
    }
  });

  it('the Caddyfile form: on_demand_tls { ask } and tls internal { on_demand }', async () => {
    const ask = await askServer();
    const port = await freePort();
    const httpPort = await freePort();
    const { config } = adaptCaddyfile(`{\n\thttp_port ${httpPort}\n\thttps_port ${port}\n\ton_demand_tls {\n\t\task ${ask.url}\n\t}\n}\nhttps://:${port} {\n\tbind 127.0.0.1\n\ttls internal {\n\t\ton_demand\n\t}\n\trespond "hello {host}"\n}\n`, 'Caddyfile');
    const r = new Runtime({ env });
    try {
      await r.load(config);
      expect(await get(port, 'cf.example.test')).toEqual({ status: 200, body: 'hello cf.example.test' });
      expect(ask.asks.map((a) => a.domain)).toEqual(['cf.example.test']);
    } finally {
      await r.stop();
      await ask.close();
    }
  });
});

describe('on-demand TLS: checks at load', () => {
  const http = { servers: { s: { listen: [':0'], routes: [], tls_connection_policies: [{}] } } };

  it('an ACME on-demand policy for any name without a permission module is refused', () => {
    expect(() => validateConfig({ apps: { tls: { automation: { policies: [{ on_demand: true }] } }, http } })).toThrow(
      'on-demand TLS cannot be enabled without a permission module to prevent abuse; please refer to documentation for details',
    );
    expect(() => validateConfig({ apps: { tls: { automation: { policies: [{ subjects: ['*.example.com'], on_demand: true, issuers: [{ module: 'acme' }] }] } }, http } })).toThrow('without a permission module');
    // Bounded names are allowed without one, as in Caddy.
    expect(() => validateConfig({ apps: { tls: { automation: { policies: [{ subjects: ['a.example.com'], on_demand: true }] } } } })).not.toThrow();
  });

  it('the internal issuer without a permission module loads, with Caddy\'s warning', async () => {
    const logs = collectLogs();
    const port = await freePort();
    const r = new Runtime({ env, log: logs.log });
    try {
      await r.load(onDemandSite({ port, httpPort: await freePort() }));
      expect(logs.lines.find((l) => l.msg.startsWith('YOUR SERVER MAY BE VULNERABLE TO ABUSE'))).toMatchObject({
        level: 'warn',
        logger: 'tls',
        msg: 'YOUR SERVER MAY BE VULNERABLE TO ABUSE: on-demand TLS is enabled, but no protections are in place',
        fields: { docs: 'https://caddyserver.com/docs/automatic-https#on-demand-tls' },
      });
      expect((await handshake(port, 'open.example.test', rootCA())).cert.subjectaltname).toBe('DNS:open.example.test');
    } finally {
      await r.stop();
    }
  });

  it('ask and permission together, an unknown permission module, a bad endpoint: errors with their path', () => {
    const with_ = (on_demand: unknown) => ({ apps: { tls: { automation: { on_demand, policies: [{ on_demand: true, issuers: [{ module: 'internal' }] }] } } } });
    expect(() => validateConfig(with_({ ask: 'http://a/', permission: { module: 'http', endpoint: 'http://b/' } }))).toThrow(
      "on-demand TLS config conflict: both 'ask' endpoint and a 'permission' module are specified; 'ask' is deprecated, so use only the permission module",
    );
    expect(() => validateConfig(with_({ permission: { module: 'nope' } }))).toThrow('automation.on_demand.permission.module: loading on-demand TLS permission module: loading module \'nope\': unknown module: tls.permission.nope');
    expect(() => validateConfig(with_({ permission: { module: 'http', endpoint: 'http://x/{env.TSWEB_SURELY_UNSET_VAR}' } }))).toThrow("automation.on_demand.permission.endpoint: preparing 'ask' endpoint");
    expect(() => validateConfig(with_({ rate_limit: { interval: '1m' } }))).toThrow('automation.on_demand: json: unknown field "rate_limit"');
    // The deprecated field still works.
    expect(() => validateConfig(with_({ ask: 'http://127.0.0.1:1/check' }))).not.toThrow();
  });
});
