/**
 * client_authentication as Go verifies it, through the Runtime and real
 * sockets: chains through the intermediates a client sends, an
 * intermediate as the trust anchor, extended key usage, trusted leaves
 * (deprecated field and the `leaf` verifier), and the handshake alert for a
 * client that sends no certificate where one is required.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { request } from 'node:https';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Runtime } from '../../src/runtime/runtime.js';
import { validateConfig } from '../../src/runtime/validate.js';
import { storageFromConfig } from '../../src/tls/data_dir.js';
import { CertificateAuthority } from '../../src/tls/pki/ca.js';
import { respond } from '../support/client.js';
import { freePort } from '../support/free_port.js';

let dir: string;
let env: NodeJS.ProcessEnv;
const f = (name: string) => join(dir, name);
const read = (name: string) => readFileSync(f(name));
/** The base64 DER Caddy's JSON takes for a PEM file. */
const der = (name: string) => read(name).toString().replace(/-----[A-Z ]+-----|\s/g, '');
const serverRoot = () => read('data/tsweb/pki/authorities/local/root.crt');

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'tsweb-clientauth-'));
  env = { ...process.env, XDG_DATA_HOME: f('data') };
  await CertificateAuthority.load(storageFromConfig(undefined, env), { id: 'local' });
  const ssl = (...args: string[]) => execFileSync('openssl', args, { cwd: dir, stdio: 'pipe' });
  const ec = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes'];
  writeFileSync(f('ca.ext'), 'basicConstraints=critical,CA:true\nkeyUsage=critical,keyCertSign,cRLSign\n');
  writeFileSync(f('client.ext'), 'extendedKeyUsage=clientAuth\n');
  writeFileSync(f('server.ext'), 'extendedKeyUsage=serverAuth\n');
  ssl('req', '-x509', ...ec, '-keyout', 'root.key', '-out', 'root.crt', '-days', '2', '-subj', '/CN=client root', '-addext', 'basicConstraints=critical,CA:true', '-addext', 'keyUsage=critical,keyCertSign,cRLSign');
  ssl('req', ...ec, '-keyout', 'int.key', '-out', 'int.csr', '-subj', '/CN=client intermediate');
  ssl('x509', '-req', '-in', 'int.csr', '-CA', 'root.crt', '-CAkey', 'root.key', '-CAcreateserial', '-out', 'int.crt', '-days', '2', '-extfile', 'ca.ext');
  for (const [who, ext] of [['bob', 'client.ext'], ['srvonly', 'server.ext']] as const) {
    ssl('req', ...ec, '-keyout', `${who}.key`, '-out', `${who}.csr`, '-subj', `/CN=${who}`);
    ssl('x509', '-req', '-in', `${who}.csr`, '-CA', 'int.crt', '-CAkey', 'int.key', '-CAcreateserial', '-out', `${who}.crt`, '-days', '2', '-extfile', ext);
    writeFileSync(f(`${who}-chain.crt`), Buffer.concat([read(`${who}.crt`), read('int.crt')]));
  }
  ssl('req', '-x509', ...ec, '-keyout', 'mallory.key', '-out', 'mallory.crt', '-days', '2', '-subj', '/CN=mallory');
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** One GET to https://localhost with an optional client certificate; the body, or the error code. */
function get(port: number, client?: { cert: string; key: string }, maxVersion: 'TLSv1.2' | 'TLSv1.3' = 'TLSv1.3'): Promise<string> {
  return new Promise((resolve) => {
    const req = request(
      { host: '127.0.0.1', port, servername: 'localhost', headers: { host: 'localhost' }, ca: serverRoot(), cert: client && read(client.cert), key: client && read(client.key), agent: false, maxVersion },
      (res) => {
        let body = '';
        res.on('data', (c: Buffer) => (body += c.toString()));
        res.on('end', () => resolve(body));
      },
    );
    req.on('error', (err: NodeJS.ErrnoException) => resolve(`error ${err.code} ${err.message}`));
    req.end();
  });
}

const bob = { cert: 'bob-chain.crt', key: 'bob.key' };
const bobLeafOnly = { cert: 'bob.crt', key: 'bob.key' };
const serverOnlyEKU = { cert: 'srvonly-chain.crt', key: 'srvonly.key' };
const mallory = { cert: 'mallory.crt', key: 'mallory.key' };

async function serve(policies: unknown[], fn: (port: number) => Promise<void>): Promise<void> {
  const port = await freePort();
  const r = new Runtime({ env });
  try {
    await r.load({
      apps: {
        http: {
          http_port: await freePort(),
          https_port: port,
          servers: { s: { listen: [`127.0.0.1:${port}`], routes: [{ match: [{ host: ['localhost'] }], handle: [respond('hello {http.request.tls.client.subject}')] }], tls_connection_policies: policies } },
        },
      },
    });
    await fn(port);
  } finally {
    await r.stop();
  }
}

describe('client_authentication verified as Go does', () => {
  it('follows the intermediates the client sends up to a trusted root; without them there is no chain', async () => {
    await serve([{ client_authentication: { ca: { provider: 'inline', trusted_ca_certs: [der('root.crt')] } } }], async (port) => {
      expect(await get(port, bob)).toBe('hello CN=bob');
      expect(await get(port, bobLeafOnly)).toMatch(/^error /);
      expect(await get(port, mallory)).toMatch(/^error /);
    });
  });

  it('an intermediate in the trust pool is an anchor of its own', async () => {
    await serve([{ client_authentication: { trusted_ca_certs: [der('int.crt')], mode: 'require_and_verify' } }], async (port) => {
      expect(await get(port, bobLeafOnly)).toBe('hello CN=bob');
      expect(await get(port, bob)).toBe('hello CN=bob');
    });
  });

  it('a certificate whose extended key usage excludes clientAuth is refused', async () => {
    await serve([{ client_authentication: { trusted_ca_certs_pem_files: [f('root.crt')] } }], async (port) => {
      expect(await get(port, serverOnlyEKU)).toMatch(/^error /);
      expect(await get(port, bob)).toBe('hello CN=bob');
    });
  });

  it('trusted leaves (trusted_leaf_certs and the leaf verifier) admit only those leaves, and need a certificate in any mode', async () => {
    await serve([{ client_authentication: { trusted_leaf_certs: [der('mallory.crt')], mode: 'request' } }], async (port) => {
      expect(await get(port, mallory)).toBe('hello CN=mallory');
      expect(await get(port, bob)).toMatch(/^error /);
      expect(await get(port)).toMatch(/^error /);
    });
    await serve([{ client_authentication: { mode: 'require', verifiers: [{ verifier: 'leaf', leaf_certs_loaders: [{ loader: 'file', files: [f('bob.crt')] }] }] } }], async (port) => {
      expect(await get(port, bob)).toBe('hello CN=bob');
      expect(await get(port, mallory)).toMatch(/^error /);
    });
  });

  it('a client with no certificate where every policy requires one gets a TLS alert in the handshake', async () => {
    await serve([{ client_authentication: { trusted_ca_certs: [der('root.crt')] } }], async (port) => {
      expect(await get(port)).toMatch(/^error ERR_SSL_TLSV13_ALERT_CERTIFICATE_REQUIRED .*SSL alert number 116/s);
      expect(await get(port, undefined, 'TLSv1.2')).toMatch(/^error EPROTO .*alert handshake failure.*SSL alert number 40/s);
      expect(await get(port, bob)).toBe('hello CN=bob');
    });
  });

  it('verify_if_given lets a client without a certificate in and checks one that is given', async () => {
    await serve([{ client_authentication: { trusted_ca_certs: [der('root.crt')], mode: 'verify_if_given' } }], async (port) => {
      // No certificate: the placeholder is unknown and stays as written, as in Caddy.
      expect(await get(port)).toBe('hello {http.request.tls.client.subject}');
      expect(await get(port, bob)).toBe('hello CN=bob');
      expect(await get(port, mallory)).toMatch(/^error /);
    });
  });

  it('bad client_authentication config fails the load with its path', () => {
    const load = (client_authentication: unknown) => () =>
      validateConfig({ apps: { http: { servers: { s: { listen: [':0'], routes: [], tls_connection_policies: [{ client_authentication }] } } } } });
    expect(load({ verifiers: [{ verifier: 'nope' }] })).toThrow('tls_connection_policies[0].client_authentication.verifiers[0].verifier: unknown module: tls.client_auth.verifier.nope');
    expect(load({ verifiers: [{ verifier: 'leaf', leaf_certs_loaders: [{ loader: 'file', files: [f('missing.pem')] }] }] })).toThrow(`open ${f('missing.pem')}: no such file or directory`);
    expect(load({ trusted_ca_certs: [der('root.crt')], ca: { provider: 'inline', trusted_ca_certs: [der('int.crt')] } })).toThrow('conflicting config for client authentication trust CA');
  });
});
