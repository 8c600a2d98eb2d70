// transport http `resolver` (upstream names looked up through the given
// DNS servers: a tiny UDP DNS server here) and network_proxy /
// forward_proxy_url (upstreams reached through an HTTP CONNECT proxy
// written with node:http, Proxy-Authorization from the URL's userinfo;
// plain and TLS upstreams), on the fast path (GET) and the general path
// (POST).
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { createServer, type IncomingMessage, type Server } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import { connect, type AddressInfo, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Duplex } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { decodeReverseProxy } from '../../../src/modules/reverse_proxy/config.js';
import { send, site, type Site } from '../../support/client.js';
import { dnsServer, type DnsServer } from '../../support/dns_server.js';
import { type Backend, echoBackend } from './backends.js';

/** A CONNECT proxy: tunnels to the asked host:port, remembering each target and the Proxy-Authorization it got. */
async function connectProxy(): Promise<{ port: number; seen: Array<{ target: string; auth: string | undefined }>; close: () => Promise<void> }> {
  const seen: Array<{ target: string; auth: string | undefined }> = [];
  const socks = new Set<Duplex>();
  const server: Server = createServer((_req, res) => {
    res.statusCode = 405;
    res.end();
  });
  server.on('connect', (req: IncomingMessage, client: Duplex, head: Buffer) => {
    const target = req.url ?? '';
    seen.push({ target, auth: req.headers['proxy-authorization'] });
    if (target.endsWith(':1')) {
      client.end('HTTP/1.1 403 Forbidden\r\n\r\n');
      return;
    }
    const i = target.lastIndexOf(':');
    const up: Socket = connect(Number(target.slice(i + 1)), target.slice(0, i).replace(/^\[|\]$/g, ''));
    socks.add(up).add(client);
    up.on('connect', () => {
      client.write('HTTP/1.1 200 Connection Established\r\n\r\n');
      if (head.length > 0) up.write(head);
      up.pipe(client);
      client.pipe(up);
    });
    up.on('error', () => client.destroy());
    client.on('error', () => up.destroy());
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return {
    port: (server.address() as AddressInfo).port,
    seen,
    close: () =>
      new Promise<void>((r) => {
        for (const s of socks) s.destroy();
        server.closeAllConnections();
        server.close(() => r());
      }),
  };
}

describe('resolver and network_proxy', () => {
  let up: Backend, dns: DnsServer, s: Site;
  let proxy: Awaited<ReturnType<typeof connectProxy>>;
  let tlsPort: number;
  let tlsServer: Server;
  beforeAll(async () => {
    up = await echoBackend('up');
    dns = await dnsServer();
    dns.a.set('backend.test', ['127.0.0.1']);
    proxy = await connectProxy();
    const dir = mkdtempSync(join(tmpdir(), 'tsweb-np-'));
    execFileSync('openssl', ['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes', '-keyout', 'k.pem', '-out', 'c.pem', '-days', '1', '-subj', '/CN=up.test'], { cwd: dir, stdio: 'ignore' });
    tlsServer = createHttpsServer({ key: readFileSync(join(dir, 'k.pem')), cert: readFileSync(join(dir, 'c.pem')) }, (req, res) => {
      req.resume();
      req.on('end', () => res.end(`tls ${req.method}`));
    });
    await new Promise<void>((r) => tlsServer.listen(0, '127.0.0.1', r));
    tlsPort = (tlsServer.address() as AddressInfo).port;
    const rp = (dial: string, transport: Record<string, unknown>) => ({ handler: 'reverse_proxy', upstreams: [{ dial }], transport: { protocol: 'http', ...transport } });
    const resolver = { addresses: [dns.address] };
    s = await site([
      { match: [{ path: ['/dns/*'] }], handle: [rp(`backend.test:${up.port}`, { resolver })] },
      { match: [{ path: ['/nxdns/*'] }], handle: [rp(`missing.test:${up.port}`, { resolver })] },
      { match: [{ path: ['/np/*'] }], handle: [rp(up.dial, { network_proxy: { from: 'url', url: `http://user:p%40ss@127.0.0.1:${proxy.port}` } })] },
      { match: [{ path: ['/fpu/*'] }], handle: [rp(up.dial, { forward_proxy_url: `http://127.0.0.1:${proxy.port}` })] },
      { match: [{ path: ['/nptls/*'] }], handle: [rp(`127.0.0.1:${tlsPort}`, { network_proxy: { from: 'url', url: `http://127.0.0.1:${proxy.port}` }, tls: { insecure_skip_verify: true } })] },
      { match: [{ path: ['/npdenied/*'] }], handle: [rp('127.0.0.1:1', { network_proxy: { from: 'url', url: `http://127.0.0.1:${proxy.port}` } })] },
      { match: [{ path: ['/npnone/*'] }], handle: [rp(up.dial, { network_proxy: { from: 'none' } })] },
    ]);
  });
  afterAll(async () => {
    await s?.stop();
    await up?.close();
    await dns?.close();
    await proxy?.close();
    tlsServer?.closeAllConnections();
    tlsServer?.close();
  });

  it('resolver: the upstream name is looked up through the given DNS server', async () => {
    const r = await send(s.port, '/dns/a');
    expect(r.status).toBe(200);
    expect(JSON.parse(r.body.toString()).name).toBe('up');
    expect((await send(s.port, '/dns/a', { method: 'POST', body: 'abc' })).status).toBe(200);
    expect(dns.queries.some((q) => q.includes('backend.test'))).toBe(true);
    // A name the resolver does not know: no upstream connection, 502.
    expect((await send(s.port, '/nxdns/a')).status).toBe(502);
    expect(dns.queries.some((q) => q.includes('missing.test'))).toBe(true);
  });

  it('network_proxy url: tunnelled through CONNECT with the userinfo as Proxy-Authorization', async () => {
    const before = proxy.seen.length;
    const r = await send(s.port, '/np/a');
    expect(r.status).toBe(200);
    expect(JSON.parse(r.body.toString()).url).toBe('/np/a');
    expect((await send(s.port, '/np/b', { method: 'POST', body: 'xyz' })).status).toBe(200);
    const seen = proxy.seen.slice(before);
    expect(seen.length).toBeGreaterThanOrEqual(1);
    for (const x of seen) expect(x).toEqual({ target: up.dial, auth: `Basic ${Buffer.from('user:p@ss').toString('base64')}` });
  });

  it('forward_proxy_url (deprecated) does the same; TLS upstreams handshake inside the tunnel', async () => {
    const before = proxy.seen.length;
    expect((await send(s.port, '/fpu/a')).status).toBe(200);
    expect(proxy.seen.slice(before)[0]).toEqual({ target: up.dial, auth: undefined });
    const t = await send(s.port, '/nptls/a');
    expect([t.status, t.body.toString()]).toEqual([200, 'tls GET']);
    const tp = await send(s.port, '/nptls/a', { method: 'POST', body: 'q' });
    expect([tp.status, tp.body.toString()]).toEqual([200, 'tls POST']);
    expect(proxy.seen.some((x) => x.target === `127.0.0.1:${tlsPort}`)).toBe(true);
  });

  it('a proxy that refuses the tunnel: 502; network_proxy none: direct', async () => {
    expect((await send(s.port, '/npdenied/a')).status).toBe(502);
    const before = proxy.seen.length;
    expect((await send(s.port, '/npnone/a')).status).toBe(200);
    expect(proxy.seen.length).toBe(before);
  });

  it('bad values fail the load', () => {
    const dec = (transport: Record<string, unknown>) => () => decodeReverseProxy({ handler: 'reverse_proxy', transport: { protocol: 'http', ...transport } });
    expect(dec({ network_proxy: { from: 'url', url: 'socks5://127.0.0.1:1080' } })).toThrow(/socks5 proxies are not supported/);
    expect(dec({ network_proxy: { from: 'env' } })).toThrow('caddy.network_proxy.env');
    expect(dec({ resolver: { addresses: ['1.2.3.4:1-2'] } })).toThrow(/resolver address must have exactly one address/);
  });
});
