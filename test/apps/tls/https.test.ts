import { execFile, execFileSync } from 'node:child_process';
import { promisify } from 'node:util';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { request, Agent } from 'node:https';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { TLSSocket } from 'node:tls';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { Runtime } from '../../../src/runtime/runtime.js';
import { validateConfig } from '../../../src/runtime/validate.js';
import { freePort } from '../../support/free_port.js';
import { respond } from '../../support/client.js';

let dir: string;
let env: NodeJS.ProcessEnv;
const rootCA = () => readFileSync(join(dir, 'data', 'tsweb', 'pki', 'authorities', 'local', 'root.crt'));

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'tsweb-https-'));
  env = { ...process.env, XDG_DATA_HOME: join(dir, 'data') };
  const ssl = (...args: string[]) => execFileSync('openssl', args, { cwd: dir, stdio: 'pipe' });
  // A manual server pair, and a client CA with one client certificate for mTLS.
  ssl('req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes', '-keyout', 'man.key', '-out', 'man.crt', '-days', '1', '-subj', '/CN=manual.test', '-addext', 'subjectAltName=DNS:manual.test');
  ssl('req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes', '-keyout', 'ca.key', '-out', 'ca.crt', '-days', '1', '-subj', '/CN=client ca');
  ssl('req', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes', '-keyout', 'client.key', '-out', 'client.csr', '-subj', '/CN=alice');
  ssl('x509', '-req', '-in', 'client.csr', '-CA', 'ca.crt', '-CAkey', 'ca.key', '-CAcreateserial', '-out', 'client.crt', '-days', '1');
  ssl('req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes', '-keyout', 'other.key', '-out', 'other.crt', '-days', '1', '-subj', '/CN=mallory');
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

interface Got {
  status: number;
  body: string;
  serial: string;
  socket: TLSSocket;
}

function get(port: number, servername: string, opts: { ca?: Buffer; cert?: Buffer; key?: Buffer; agent?: Agent; path?: string } = {}): Promise<Got> {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, path: opts.path ?? '/', servername, headers: { host: servername }, ca: opts.ca ?? rootCA(), cert: opts.cert, key: opts.key, agent: opts.agent ?? false }, (res) => {
      const chunks: Buffer[] = [];
      // Read now: a keep-alive agent takes the socket back once the body ends.
      const socket = res.socket as TLSSocket;
      const serial = socket.getPeerCertificate()?.serialNumber ?? '';
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => {
        resolve({ status: res.statusCode!, body: Buffer.concat(chunks).toString(), serial, socket });
      });
    });
    req.on('error', reject);
    req.end();
  });
}

function site(host: string, body: string) {
  return { match: [{ host: [host] }], handle: [respond(body)], terminal: true };
}

describe('HTTPS from the tls app', () => {
  it('serves localhost with an internal certificate on the https_port, with tls placeholders', async () => {
    const port = await freePort();
    const r = new Runtime({ env });
    try {
      await r.load({ apps: { http: { http_port: await freePort(), https_port: port, servers: { s: { listen: [`127.0.0.1:${port}`], routes: [site('localhost', '{http.request.scheme} {http.request.tls.version} {http.request.tls.server_name}')] } } } } });
      const got = await get(port, 'localhost');
      expect(got.body).toBe('https tls1.3 localhost');
      // curl runs beside the server, so not with execFileSync (it would block the event loop the server needs).
      const curl = await promisify(execFile)('curl', ['-sS', '--cacert', join(dir, 'data', 'tsweb', 'pki', 'authorities', 'local', 'root.crt'), '--resolve', `localhost:${port}:127.0.0.1`, `https://localhost:${port}/`]);
      expect(curl.stdout).toBe('https tls1.3 localhost');
    } finally {
      await r.stop();
    }
  });

  it('chooses certificates by SNI: exact, wildcard, manual; an ACME name has none until its CA answers', async () => {
    const port = await freePort();
    const lines: string[] = [];
    // A CA nobody listens on (loopback): the ACME name's attempts fail and are retried, logged.
    const acmeEnv = { ...env, TSWEB_ACME_CA: `https://127.0.0.1:${await freePort()}/directory` };
    const r = new Runtime({ env: acmeEnv, log: (_l, _g, msg, f) => lines.push(`${msg} ${JSON.stringify(f)}`) });
    try {
      await r.load({
        apps: {
          tls: {
            certificates: { load_files: [{ certificate: join(dir, 'man.crt'), key: join(dir, 'man.key') }] },
            automation: { policies: [{ subjects: ['a.example.com', '*.w.example.com'], issuers: [{ module: 'internal' }] }, { subjects: ['pub.example.com'] }] },
          },
          http: {
            http_port: await freePort(), https_port: port,
            servers: { s: { listen: [`127.0.0.1:${port}`], routes: [site('a.example.com', 'a'), site('*.w.example.com', 'w'), site('manual.test', 'm'), site('pub.example.com', 'pub')] } },
          },
        },
      });
      const a = await get(port, 'a.example.com');
      expect(a.body).toBe('a');
      expect(a.socket.getPeerCertificate().subjectaltname).toBe('DNS:a.example.com');
      const w = await get(port, 'x.w.example.com');
      expect(w.body).toBe('w');
      expect(w.socket.getPeerCertificate().subjectaltname).toBe('DNS:*.w.example.com');
      expect((await get(port, 'manual.test', { ca: readFileSync(join(dir, 'man.crt')) })).body).toBe('m');
      await expect(get(port, 'pub.example.com')).rejects.toThrow();
      await vi.waitFor(() => expect(lines.some((l) => l.startsWith('could not get certificate from issuer') && l.includes('pub.example.com'))).toBe(true), { timeout: 10_000 });
    } finally {
      await r.stop();
    }
  });

  it('automatic_https disable_certificates, skip_certificates and loaded certificates decide which names are managed, as Caddy', async () => {
    const run = async (automatic_https: Record<string, unknown>, loadManual: boolean) => {
      const port = await freePort();
      const lines: string[] = [];
      // A CA nobody listens on: a managed public name shows up as "obtaining certificate".
      const acmeEnv = { ...env, TSWEB_ACME_CA: `https://127.0.0.1:${await freePort()}/directory` };
      const r = new Runtime({ env: acmeEnv, log: (_l, _g, msg, f) => lines.push(`${msg} ${JSON.stringify(f)}`) });
      try {
        await r.load({
          apps: {
            ...(loadManual ? { tls: { certificates: { load_files: [{ certificate: join(dir, 'man.crt'), key: join(dir, 'man.key') }] } } } : {}),
            http: {
              http_port: await freePort(), https_port: port,
              servers: { s: { listen: [`127.0.0.1:${port}`], automatic_https, routes: [site('manual.test', 'm'), site('pub.example.com', 'pub')] } },
            },
          },
        });
        // The manual certificate is served whatever automatic HTTPS manages.
        if (loadManual) expect((await get(port, 'manual.test', { ca: readFileSync(join(dir, 'man.crt')) })).body).toBe('m');
        await new Promise((res) => setTimeout(res, 300));
        const obtaining = (name: string) => lines.some((l) => (l.startsWith('obtaining certificate') || l.startsWith('acquiring lock')) && l.includes(name));
        return { lines, obtaining };
      } finally {
        await r.stop();
      }
    };
    const off = await run({ disable_certificates: true }, false);
    expect(off.lines.some((l) => l.startsWith('skipping automated certificate management for server because it is disabled') && l.includes('"server_name":"s"'))).toBe(true);
    expect(off.obtaining('pub.example.com')).toBe(false);

    const skip = await run({ skip_certificates: ['pub.example.com'] }, false);
    expect(skip.obtaining('pub.example.com')).toBe(false);
    expect(skip.obtaining('manual.test')).toBe(true);

    const loaded = await run({}, true);
    expect(loaded.lines.some((l) => l.startsWith('skipping automatic certificate management because one or more matching certificates are already loaded') && l.includes('manual.test'))).toBe(true);
    expect(loaded.obtaining('manual.test')).toBe(false);
    expect(loaded.obtaining('pub.example.com')).toBe(true);

    const ignored = await run({ ignore_loaded_certificates: true }, true);
    expect(ignored.obtaining('manual.test')).toBe(true);
  });

  it('a missing certificate file is a config error naming its path', () => {
    const missing = join(dir, 'nope.crt');
    expect(() => validateConfig({ apps: { tls: { certificates: { load_files: [{ certificate: missing, key: join(dir, 'man.key') }] } } } })).toThrow(
      new RegExp(`loading tls app module: provision tls: .*open ${missing.replace(/[.]/g, '\\.')}: no such file or directory`),
    );
  });

  it('client_auth require_and_verify refuses a client without a trusted certificate', async () => {
    const port = await freePort();
    const r = new Runtime({ env });
    const ca = readFileSync(join(dir, 'ca.crt')).toString().replace(/-----[A-Z ]+-----|\s/g, '');
    try {
      await r.load({
        apps: {
          http: {
            http_port: await freePort(), https_port: port,
            servers: {
              s: {
                listen: [`127.0.0.1:${port}`],
                routes: [site('localhost', 'hello {http.request.tls.client.subject}')],
                tls_connection_policies: [{ client_authentication: { ca: { provider: 'inline', trusted_ca_certs: [ca] }, mode: 'require_and_verify' } }],
              },
            },
          },
        },
      });
      await expect(get(port, 'localhost')).rejects.toThrow();
      await expect(get(port, 'localhost', { cert: readFileSync(join(dir, 'other.crt')), key: readFileSync(join(dir, 'other.key')) })).rejects.toThrow();
      const ok = await get(port, 'localhost', { cert: readFileSync(join(dir, 'client.crt')), key: readFileSync(join(dir, 'client.key')) });
      expect(ok.body).toBe('hello CN=alice');
    } finally {
      await r.stop();
    }
  });

  it('renews a short-lived certificate in place without dropping an open connection', async () => {
    const port = await freePort();
    const r = new Runtime({ env });
    const agent = new Agent({ keepAlive: true, maxSockets: 1 });
    try {
      await r.load({
        apps: {
          tls: { automation: { policies: [{ subjects: ['swap.localhost'], issuers: [{ module: 'internal', lifetime: '3s' }] }] } },
          http: { http_port: await freePort(), https_port: port, servers: { s: { listen: [`127.0.0.1:${port}`], routes: [site('swap.localhost', 'ok')] } } },
        },
      });
      const first = await get(port, 'swap.localhost', { agent });
      expect(first.body).toBe('ok');
      // Renewal is due after two thirds of three seconds.
      await new Promise((res) => setTimeout(res, 2600));
      const again = await get(port, 'swap.localhost', { agent });
      expect(again.socket).toBe(first.socket);
      expect(again.serial).toBe(first.serial);
      const fresh = await get(port, 'swap.localhost');
      expect(fresh.serial).not.toBe(first.serial);
    } finally {
      agent.destroy();
      await r.stop();
    }
  });
});
