// HTTPS and HTTP/2-over-TLS upstreams: the CA trusted for the upstream's
// certificate (tls_trusted_ca_certs / root_ca_pem_files, tls_trust_pool),
// tls_server_name, tls_insecure_skip_verify, a client certificate
// (tls_client_auth), and `versions` offering h2 by ALPN or h2 alone.
// Certificates come from openssl, made fresh in a temp directory.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer as createHttpsServer, type Server as HttpsServer } from 'node:https';
import { createSecureServer, type Http2SecureServer, type Http2ServerRequest, type Http2ServerResponse } from 'node:http2';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { TLSSocket } from 'node:tls';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { send, site, type Site } from '../support/client.js';
import { freePort, serve } from '../support/net.js';

const proxy = (dial: string, transport: Record<string, unknown>) => ({ handler: 'reverse_proxy', upstreams: [{ dial }], transport: { protocol: 'http', ...transport } });

function openssl(dir: string, args: string[]): void {
  execFileSync('openssl', args, { cwd: dir, stdio: 'ignore' });
}

/** A CA, a server certificate for `san`, signed by it, and a client certificate. */
function makeCerts(dir: string): void {
  const ec = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes'];
  openssl(dir, ['req', '-x509', ...ec, '-keyout', 'ca.key', '-out', 'ca.pem', '-subj', '/CN=tsweb test CA', '-days', '2']);
  const leaf = (name: string, subject: string, ext: string) => {
    writeFileSync(join(dir, `${name}.ext`), ext);
    openssl(dir, ['req', ...ec, '-keyout', `${name}.key`, '-out', `${name}.csr`, '-subj', subject]);
    openssl(dir, ['x509', '-req', '-in', `${name}.csr`, '-CA', 'ca.pem', '-CAkey', 'ca.key', '-CAcreateserial', '-out', `${name}.pem`, '-days', '2', '-extfile', `${name}.ext`]);
  };
  leaf('ip', '/CN=127.0.0.1', 'subjectAltName=IP:127.0.0.1\nextendedKeyUsage=serverAuth\n');
  leaf('named', '/CN=upstream.test', 'subjectAltName=DNS:upstream.test\nextendedKeyUsage=serverAuth\n');
  leaf('client', '/CN=tsweb-client', 'extendedKeyUsage=clientAuth\n');
}

/** What the upstream answers: the protocol it spoke and the client certificate it saw. */
function describeRequest(req: IncomingMessage | Http2ServerRequest, res: ServerResponse | Http2ServerResponse): void {
  const sock = req.socket as TLSSocket;
  const peer = sock.getPeerCertificate?.();
  const cn = peer && peer.subject ? peer.subject.CN : 'none';
  let n = 0;
  req.on('data', (c: Buffer) => (n += c.length));
  req.on('end', () => {
    res.setHeader('content-type', 'application/json');
    res.end(JSON.stringify({ version: req.httpVersion, client: sock.authorized ? cn : 'none', bodyLength: n }));
  });
}

async function listen(server: HttpsServer | Http2SecureServer): Promise<string> {
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return `127.0.0.1:${(server.address() as AddressInfo).port}`;
}

describe('TLS upstreams', () => {
  let dir: string;
  let ipUp: HttpsServer, namedUp: HttpsServer, h2Only: Http2SecureServer, h2Alpn: Http2SecureServer;
  let ipDial: string, namedDial: string, h2OnlyDial: string, h2AlpnDial: string;
  let s: Site;
  const file = (n: string) => join(dir, n);
  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'tsweb-tls-up-'));
    makeCerts(dir);
    const ca = readFileSync(file('ca.pem'));
    const opts = (name: string) => ({ key: readFileSync(file(`${name}.key`)), cert: readFileSync(file(`${name}.pem`)), ca, requestCert: true, rejectUnauthorized: false });
    ipUp = createHttpsServer(opts('ip'), describeRequest);
    namedUp = createHttpsServer(opts('named'), describeRequest);
    h2Only = createSecureServer({ ...opts('ip'), allowHTTP1: false }, describeRequest);
    h2Alpn = createSecureServer({ ...opts('ip'), allowHTTP1: true }, describeRequest);
    [ipDial, namedDial, h2OnlyDial, h2AlpnDial] = await Promise.all([listen(ipUp), listen(namedUp), listen(h2Only), listen(h2Alpn)]);
    const trusted = { root_ca_pem_files: [file('ca.pem')] };
    s = await site([
      { match: [{ path: ['/trusted'] }], handle: [proxy(ipDial, { tls: trusted })] },
      { match: [{ path: ['/pool'] }], handle: [proxy(ipDial, { tls: { ca: { provider: 'file', pem_files: [file('ca.pem')] } } })] },
      { match: [{ path: ['/untrusted'] }], handle: [proxy(ipDial, { tls: {} })] },
      { match: [{ path: ['/insecure'] }], handle: [proxy(ipDial, { tls: { insecure_skip_verify: true } })] },
      { match: [{ path: ['/client-cert'] }], handle: [proxy(ipDial, { tls: { ...trusted, client_certificate_file: file('client.pem'), client_certificate_key_file: file('client.key') } })] },
      { match: [{ path: ['/named'] }], handle: [proxy(namedDial, { tls: { ...trusted, server_name: 'upstream.test' } })] },
      { match: [{ path: ['/named-wrong'] }], handle: [proxy(namedDial, { tls: trusted })] },
      { match: [{ path: ['/h2-only'] }], handle: [proxy(h2OnlyDial, { tls: trusted, versions: ['2'] })] },
      { match: [{ path: ['/h2-alpn'] }], handle: [proxy(h2AlpnDial, { tls: trusted, versions: ['1.1', '2'] })] },
      { match: [{ path: ['/h1-default'] }], handle: [proxy(h2AlpnDial, { tls: trusted })] },
    ]);
  });
  afterAll(async () => {
    await s?.stop();
    for (const srv of [ipUp, namedUp, h2Only, h2Alpn]) {
      if (srv === undefined) continue;
      (srv as { closeAllConnections?: () => void }).closeAllConnections?.();
      await new Promise<void>((r) => srv.close(() => r()));
    }
    rmSync(dir, { recursive: true, force: true });
  });
  const json = (t: string) => JSON.parse(t) as { version: string; client: string; bodyLength: number };

  it('a CA from root_ca_pem_files (tls_trusted_ca_certs) verifies the upstream: GET and POST', async () => {
    const g = await send(s.port, '/trusted');
    expect(g.status).toBe(200);
    expect(json(g.text)).toMatchObject({ version: '1.1', client: 'none' });
    const p = await send(s.port, '/trusted', { method: 'POST', body: 'x'.repeat(1000) });
    expect(json(p.text).bodyLength).toBe(1000);
  });
  it('tls_trust_pool file: the same CA from the pool module', async () => {
    expect((await send(s.port, '/pool')).status).toBe(200);
  });
  it('an upstream certificate from an unknown CA: 502', async () => {
    expect((await send(s.port, '/untrusted')).status).toBe(502);
    expect((await send(s.port, '/untrusted', { method: 'POST', body: 'x' })).status).toBe(502);
  });
  it('tls_insecure_skip_verify accepts it', async () => {
    expect((await send(s.port, '/insecure')).status).toBe(200);
  });
  it('tls_client_auth: the upstream sees the client certificate', async () => {
    expect(json((await send(s.port, '/client-cert')).text).client).toBe('tsweb-client');
    expect(json((await send(s.port, '/client-cert', { method: 'POST', body: 'y' })).text).client).toBe('tsweb-client');
  });
  it('tls_server_name: the name checked (and sent as SNI) instead of the dial address', async () => {
    expect((await send(s.port, '/named')).status).toBe(200);
    expect((await send(s.port, '/named-wrong')).status).toBe(502);
  });
  it('versions 2: HTTP/2 alone to an h2-only upstream, bodies included', async () => {
    expect(json((await send(s.port, '/h2-only')).text).version).toBe('2.0');
    const p = json((await send(s.port, '/h2-only', { method: 'POST', body: 'z'.repeat(50_000) })).text);
    expect(p).toMatchObject({ version: '2.0', bodyLength: 50_000 });
  });
  it('versions 1.1 2: ALPN picks h2 when the upstream offers it; without versions tsweb stays on HTTP/1.1', async () => {
    expect(json((await send(s.port, '/h2-alpn')).text).version).toBe('2.0');
    expect(json((await send(s.port, '/h1-default')).text).version).toBe('1.1');
  });
  it('a CA file that cannot be read fails the load, naming it', async () => {
    const port = await freePort();
    const missing = file('missing.pem');
    await expect(serve({ servers: { x: { listen: [`127.0.0.1:${port}`], routes: [{ handle: [proxy(ipDial, { tls: { root_ca_pem_files: [missing] } })] }] } } })).rejects.toThrow(`open ${missing}: no such file or directory`);
  });
});
