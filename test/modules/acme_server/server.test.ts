// The acme_server handler through a real tsweb server on 127.0.0.1, driven
// by acme-client (a real ACME client) and by hand-made JWS for what clients
// never send. Challenges are answered by real servers on loopback ports the
// tests-only TSWEB_ACME_SERVER_HTTP_PORT / _TLS_PORT point the CA at.
import { X509Certificate } from 'node:crypto';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { createServer as createHTTPServer, type Server } from 'node:http';
import { createServer as createTLSServer, type Server as TLSServer } from 'node:tls';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as acme from 'acme-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freePort } from '../../support/free_port.js';
import { b64, ecKey, newClient, nonce, raw, signJWS, startCA, type CA } from './support.js';

let dir: string;
let ca: CA;
let httpPort: number;
let tlsPort: number;
let http01: Server;
let tlsAlpn: TLSServer;
/** token → key authorization, as the client's server would serve them. */
const answers = new Map<string, string>();
let alpnCert: { key: string; cert: string } | undefined;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'tsweb-acme-server-'));
  httpPort = await freePort();
  tlsPort = await freePort();
  // The handler reads these at provision (see validate.ts); tests only.
  process.env.XDG_DATA_HOME = join(dir, 'data');
  process.env.TSWEB_ACME_SERVER_HTTP_PORT = String(httpPort);
  process.env.TSWEB_ACME_SERVER_TLS_PORT = String(tlsPort);
  http01 = createHTTPServer((req, res) => {
    const token = req.url!.split('/').pop()!;
    const a = answers.get(token);
    res.statusCode = a ? 200 : 404;
    res.end(a ?? 'no');
  });
  await new Promise<void>((r) => http01.listen(httpPort, '127.0.0.1', r));
  tlsAlpn = createTLSServer({ ALPNProtocols: ['acme-tls/1'], SNICallback: (_n, cb) => cb(null, alpnCert ? (require('node:tls') as typeof import('node:tls')).createSecureContext(alpnCert) : undefined) }, (s) => s.end());
  await new Promise<void>((r) => tlsAlpn.listen(tlsPort, '127.0.0.1', r));
  ca = await startCA(join(dir, 'data'), { lifetime: '2h' });
});
afterAll(async () => {
  await ca?.stop();
  http01?.closeAllConnections();
  await new Promise((r) => http01?.close(r));
  await new Promise((r) => tlsAlpn?.close(r));
  rmSync(dir, { recursive: true, force: true });
});

async function order(client: acme.Client, names: string[], type: 'http-01' | 'tls-alpn-01' = 'http-01', tamper = false) {
  const o = await client.createOrder({ identifiers: names.map((value) => ({ type: /^[\d.]+$/.test(value) ? 'ip' : 'dns', value })) });
  for (const authz of await client.getAuthorizations(o)) {
    const ch = authz.challenges.find((c) => c.type === type)!;
    const keyAuth = await client.getChallengeKeyAuthorization(ch);
    if (type === 'http-01') answers.set(ch.token, tamper ? keyAuth + 'x' : keyAuth);
    else {
      const [key, cert] = await acme.crypto.createAlpnCertificate(authz, tamper ? keyAuth + 'x' : keyAuth);
      alpnCert = { key: key.toString(), cert: cert.toString() };
    }
    await client.completeChallenge(ch);
    await client.waitForValidStatus(ch);
  }
  return o;
}

describe('acme_server with acme-client', () => {
  it('directory at /acme/local/directory, with the request host and https', async () => {
    const r = await raw(ca, 'GET', '/acme/local/directory');
    expect(r.status).toBe(200);
    const base = `https://ca.localhost:${ca.port}/acme/local/`;
    // Caddy 2.6.2's, field for field.
    expect(r.body).toBe(
      JSON.stringify({ newNonce: `${base}new-nonce`, newAccount: `${base}new-account`, newOrder: `${base}new-order`, revokeCert: `${base}revoke-cert`, keyChange: `${base}key-change`, meta: {} }),
    );
    expect(r.headers['replay-nonce']).toMatch(/^[\w-]{22}$/);
    const n = await raw(ca, 'HEAD', '/acme/local/new-nonce');
    expect(n.status).toBe(200);
    expect(n.headers['cache-control']).toBe('no-store');
    expect((await raw(ca, 'GET', '/acme/local/new-nonce')).status).toBe(204);
    // Another CA's name under the prefix is not this server's (smallstep's words).
    const other = await raw(ca, 'GET', '/acme/other/directory');
    expect(other.status).toBe(404);
    expect(JSON.parse(other.body)).toEqual({ type: 'notFound', detail: 'resource not found', message: 'provisioner other not found' });
    // Outside the prefix: the next handler (none here: Caddy's empty 200).
    expect((await raw(ca, 'GET', '/elsewhere')).status).toBe(200);
    expect(ca.lines.join('\n')).toMatch(/warn http.handlers.acme_server acme_server policy has no allow\/deny rules; order identifiers are unrestricted \(allow-all\) \{"ca":"local","allow_wildcard_names":false\}/);
  });

  it('account, order, HTTP-01, finalize, download: a chain to the CA root with the configured lifetime', async () => {
    const client = await newClient(ca);
    await client.createAccount({ termsOfServiceAgreed: true, contact: ['mailto:admin@example.test'] });
    const o = await order(client, ['app.localhost', 'www.app.localhost']);
    const [key, csr] = await acme.crypto.createCsr({ commonName: 'app.localhost', altNames: ['app.localhost', 'www.app.localhost'] });
    void key;
    const done = await client.finalizeOrder(o, csr);
    expect(done.status).toBe('valid');
    const pem = await client.getCertificate(done);
    const certs = pem.split(/(?<=-----END CERTIFICATE-----\n)/).filter((s) => s.trim()).map((p) => new X509Certificate(p));
    expect(certs).toHaveLength(2);
    const [leaf, inter] = certs as [X509Certificate, X509Certificate];
    expect(leaf.subjectAltName).toBe('DNS:app.localhost, DNS:www.app.localhost');
    expect(leaf.checkIssued(inter)).toBe(true);
    expect(inter.checkIssued(new X509Certificate(ca.root))).toBe(true);
    expect(leaf.verify(inter.publicKey)).toBe(true);
    // lifetime 2h, from a minute back.
    const ms = Date.parse(leaf.validTo) - Date.parse(leaf.validFrom);
    expect(ms).toBeGreaterThan(2 * 3600_000 - 5000);
    expect(ms).toBeLessThan(2 * 3600_000 + 120_000);
    expect(leaf.ca).toBe(false);
    expect(ca.lines.join('\n')).toMatch(/info http.handlers.acme_server certificate issued .*"identifiers":\["app.localhost","www.app.localhost"\]/);
  });

  it('with a top-level storage, certificates are signed by the CA kept there (the one the pki app serves), not one in the data directory', async () => {
    const home = join(dir, 'other-home');
    const other = await startCA(home, {}, join(dir, 'storage'));
    try {
      const client = await newClient(other);
      await client.createAccount({ termsOfServiceAgreed: true });
      const o = await order(client, ['stored.localhost']);
      const [, csr] = await acme.crypto.createCsr({ altNames: ['stored.localhost'] });
      const pem = await client.getCertificate(await client.finalizeOrder(o, csr));
      const inter = new X509Certificate(pem.split(/(?<=-----END CERTIFICATE-----\n)/)[1]!);
      expect(inter.checkIssued(new X509Certificate(other.root))).toBe(true);
      expect(existsSync(join(home, 'tsweb', 'pki'))).toBe(false);
    } finally {
      await other.stop();
    }
  });

  it('TLS-ALPN-01 for a name and an IP address', async () => {
    const client = await newClient(ca);
    await client.createAccount({ termsOfServiceAgreed: true });
    for (const name of ['alpn.localhost', '127.0.0.1']) {
      const o = await order(client, [name], 'tls-alpn-01');
      const [, csr] = await acme.crypto.createCsr({ altNames: [name] });
      const done = await client.finalizeOrder(o, csr);
      const leaf = new X509Certificate(await client.getCertificate(done));
      expect(leaf.subjectAltName).toBe(name === '127.0.0.1' ? 'IP Address:127.0.0.1' : `DNS:${name}`);
    }
  });

  it('a wrong key authorization makes the challenge, authorization and order invalid', async () => {
    const client = await newClient(ca);
    await client.createAccount({ termsOfServiceAgreed: true });
    await expect(order(client, ['bad.localhost'], 'http-01', true)).rejects.toThrow(/invalid|does not match/);
    const o = await client.createOrder({ identifiers: [{ type: 'dns', value: 'bad2.localhost' }] });
    const [authz] = await client.getAuthorizations(o);
    const ch = authz!.challenges.find((c) => c.type === 'http-01')!;
    // Nobody answers this token: 404 from the client's server.
    await client.completeChallenge(ch);
    await expect(client.waitForValidStatus(ch)).rejects.toThrow();
    const again = await client.getOrder(o);
    expect(again.status).toBe('invalid');
    const [az] = await client.getAuthorizations(again);
    expect(az!.status).toBe('invalid');
    expect(az!.challenges.find((c) => c.type === 'http-01')!.error).toMatchObject({ type: 'urn:ietf:params:acme:error:unauthorized', status: 403 });
  });

  it('finalize refuses an order not ready, and a CSR whose names are not the order\'s', async () => {
    const client = await newClient(ca);
    await client.createAccount({ termsOfServiceAgreed: true });
    const pending = await client.createOrder({ identifiers: [{ type: 'dns', value: 'early.localhost' }] });
    const [, csr1] = await acme.crypto.createCsr({ altNames: ['early.localhost'] });
    await expect(client.finalizeOrder(pending, csr1)).rejects.toThrow(/not ready/);
    const o = await order(client, ['csr.localhost']);
    const [, csr2] = await acme.crypto.createCsr({ altNames: ['csr.localhost', 'extra.localhost'] });
    await expect(client.finalizeOrder(o, csr2)).rejects.toThrow(/do not match the order's identifiers/);
  });

  it('onlyReturnExisting finds an account by key, or says accountDoesNotExist; deactivation locks it', async () => {
    const key = await acme.crypto.createPrivateEcdsaKey();
    const client = await newClient(ca, key);
    await expect(client.createAccount({ onlyReturnExisting: true })).rejects.toThrow(/no account exists with the provided key/);
    await client.createAccount({ termsOfServiceAgreed: true });
    const url = client.getAccountUrl();
    const again = await newClient(ca, key);
    await again.createAccount({ onlyReturnExisting: true });
    expect(again.getAccountUrl()).toBe(url);
    const updated = await again.updateAccount({ contact: ['mailto:new@example.test'] });
    expect(updated.contact).toEqual(['mailto:new@example.test']);
    // key-change: the account keeps its URL and answers to the new key only.
    const newKey = await acme.crypto.createPrivateEcdsaKey('P-384');
    await again.updateAccountKey(newKey);
    const byNew = await newClient(ca, newKey);
    await byNew.createAccount({ onlyReturnExisting: true });
    expect(byNew.getAccountUrl()).toBe(url);
    await expect((await newClient(ca, key)).createAccount({ onlyReturnExisting: true })).rejects.toThrow(/no account exists/);
    expect(ca.lines.join('\n')).toMatch(/ACME account key changed/);
    expect((await byNew.updateAccount({ status: 'deactivated' })).status).toBe('deactivated');
    await expect(byNew.createOrder({ identifiers: [{ type: 'dns', value: 'x.localhost' }] })).rejects.toThrow(/deactivated/);
  });

  it('revokes a certificate once (the ordering account); alreadyRevoked after', async () => {
    const client = await newClient(ca);
    await client.createAccount({ termsOfServiceAgreed: true });
    const o = await order(client, ['revoke.localhost']);
    const [, csr] = await acme.crypto.createCsr({ altNames: ['revoke.localhost'] });
    const pem = await client.getCertificate(await client.finalizeOrder(o, csr));
    await client.revokeCertificate(pem, { reason: 4 });
    await expect(client.revokeCertificate(pem)).rejects.toThrow(/already revoked/);
    const other = await newClient(ca);
    await other.createAccount({ termsOfServiceAgreed: true });
    await expect(other.revokeCertificate(pem)).rejects.toThrow(/did not order/);
  });
});

describe('acme_server refuses bad requests with problem documents', () => {
  const newAccountURL = () => `https://ca.localhost:${ca.port}/acme/local/new-account`;
  const problem = (r: { status: number; headers: Record<string, unknown>; body: string }) => {
    expect(r.headers['content-type']).toBe('application/problem+json');
    expect(r.headers['replay-nonce']).toBeTruthy();
    return JSON.parse(r.body) as { type: string; detail: string; status: number };
  };

  it('not JSON, not a JWS, a bad signature, an unsupported alg: 400 malformed / badSignatureAlgorithm', async () => {
    for (const body of ['garbage', '[]', '{"protected":1}', '{"protected":"!!","payload":"","signature":""}']) {
      const r = await raw(ca, 'POST', '/acme/local/new-account', body);
      expect(r.status).toBe(400);
      expect(problem(r).type).toBe('urn:ietf:params:acme:error:malformed');
    }
    const { key, jwk } = ecKey();
    const other = ecKey();
    const forged = signJWS(other.key, { jwk, nonce: await nonce(ca), url: newAccountURL() }, { termsOfServiceAgreed: true });
    const r1 = await raw(ca, 'POST', '/acme/local/new-account', forged);
    expect(r1.status).toBe(400);
    expect(problem(r1)).toMatchObject({ type: 'urn:ietf:params:acme:error:malformed', detail: 'JWS signature verification failed' });
    const none = JSON.stringify({ protected: b64(JSON.stringify({ alg: 'none', jwk, nonce: await nonce(ca), url: newAccountURL() })), payload: b64('{}'), signature: '' });
    const r2 = await raw(ca, 'POST', '/acme/local/new-account', none);
    expect(problem(r2).type).toBe('urn:ietf:params:acme:error:badSignatureAlgorithm');
    // A JWK that is no key.
    const r3 = await raw(ca, 'POST', '/acme/local/new-account', signJWS(key, { jwk: { kty: 'EC', crv: 'P-256', x: 'AA', y: 'AA' }, nonce: await nonce(ca), url: newAccountURL() }, {}));
    expect(problem(r3).type).toBe('urn:ietf:params:acme:error:badPublicKey');
    const plain = await raw(ca, 'POST', '/acme/local/new-account', forged, 'application/json');
    expect(problem(plain)).toMatchObject({ type: 'urn:ietf:params:acme:error:malformed', detail: 'expected content-type to be in [application/jose+json], but got application/json' });
    // The server is still there.
    expect((await raw(ca, 'GET', '/acme/local/directory')).status).toBe(200);
  });

  it('a reused or unknown nonce: badNonce; the wrong url: unauthorized; an unknown kid: accountDoesNotExist; GET on a POST endpoint: 405', async () => {
    const { key, jwk } = ecKey();
    const n = await nonce(ca);
    const ok = await raw(ca, 'POST', '/acme/local/new-account', signJWS(key, { jwk, nonce: n, url: newAccountURL() }, { termsOfServiceAgreed: true }));
    expect(ok.status).toBe(201);
    expect(ok.headers.location).toMatch(/\/acme\/local\/account\/[\w-]+$/);
    const replay = await raw(ca, 'POST', '/acme/local/new-account', signJWS(key, { jwk, nonce: n, url: newAccountURL() }, {}));
    expect(replay.status).toBe(400);
    expect(problem(replay).type).toBe('urn:ietf:params:acme:error:badNonce');
    const made = await raw(ca, 'POST', '/acme/local/new-account', signJWS(key, { jwk, nonce: 'bm9wZW5vcGVub3Bl', url: newAccountURL() }, {}));
    expect(problem(made).type).toBe('urn:ietf:params:acme:error:badNonce');
    const wrongURL = await raw(ca, 'POST', '/acme/local/new-account', signJWS(key, { jwk, nonce: await nonce(ca), url: 'https://elsewhere/acme/local/new-account' }, {}));
    expect(wrongURL.status).toBe(401);
    expect(problem(wrongURL).type).toBe('urn:ietf:params:acme:error:unauthorized');
    const newOrder = `https://ca.localhost:${ca.port}/acme/local/new-order`;
    const unknownKid = await raw(ca, 'POST', '/acme/local/new-order', signJWS(key, { kid: `https://ca.localhost:${ca.port}/acme/local/account/nope`, nonce: await nonce(ca), url: newOrder }, { identifiers: [] }));
    expect(problem(unknownKid).type).toBe('urn:ietf:params:acme:error:accountDoesNotExist');
    const get = await raw(ca, 'GET', '/acme/local/new-order');
    expect(get.status).toBe(405);
    expect(get.body).toBe('');
    // Another account's order is not readable.
    const kid = ok.headers.location as string;
    const made2 = await raw(ca, 'POST', '/acme/local/new-order', signJWS(key, { kid, nonce: await nonce(ca), url: newOrder }, { identifiers: [{ type: 'dns', value: 'mine.localhost' }] }));
    expect(made2.status).toBe(201);
    const orderURL = made2.headers.location as string;
    const stranger = ecKey();
    const s = await raw(ca, 'POST', '/acme/local/new-account', signJWS(stranger.key, { jwk: stranger.jwk, nonce: await nonce(ca), url: newAccountURL() }, { termsOfServiceAgreed: true }));
    const peek = await raw(ca, 'POST', new URL(orderURL).pathname, signJWS(stranger.key, { kid: s.headers.location, nonce: await nonce(ca), url: orderURL }, ''));
    expect(peek.status).toBe(401);
    expect(problem(peek).type).toBe('urn:ietf:params:acme:error:unauthorized');
    const bad = await raw(ca, 'POST', '/acme/local/new-order', signJWS(key, { kid, nonce: await nonce(ca), url: newOrder }, { identifiers: [{ type: 'email', value: 'a@b' }] }));
    expect(problem(bad).type).toBe('urn:ietf:params:acme:error:unsupportedIdentifier');
    const wild = await raw(ca, 'POST', '/acme/local/new-order', signJWS(key, { kid, nonce: await nonce(ca), url: newOrder }, { identifiers: [{ type: 'dns', value: '*.w.localhost' }] }));
    expect(problem(wild)).toMatchObject({ type: 'urn:ietf:params:acme:error:rejectedIdentifier' });
  });
});
