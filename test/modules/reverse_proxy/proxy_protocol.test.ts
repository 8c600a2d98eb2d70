// transport http proxy_protocol v1/v2: a raw TCP upstream reads the PROXY
// header before handing the connection to a real HTTP server (HTTP/1.1,
// HTTPS, HTTP/2 over TLS, h2c), through the fast path (GET), the general
// path (POST with a body) and HTTP/2; connections are pooled per client IP,
// so a second client (another loopback address) gets its own connection
// with its own header. local_address binds the upstream connections.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { createServer, type IncomingMessage, type Server as HttpServer, type ServerResponse } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import { createSecureServer, createServer as createH2cServer, type Http2ServerRequest, type Http2ServerResponse } from 'node:http2';
import { createServer as createNetServer, type AddressInfo, type Server, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { send, site, type Site } from '../../support/client.js';
import { decodeReverseProxy } from '../../../src/modules/reverse_proxy/config.js';
import { proxyHeader } from '../../../src/modules/reverse_proxy/proxy_protocol.js';
import { request } from 'node:http';

const V2SIG = Buffer.from('0d0a0d0a000d0a515549540a', 'hex');

/** Reads one PROXY header (v1 or v2) off the socket; the rest is given back to the stream. */
function readHeader(sock: Socket): Promise<string> {
  return new Promise((resolve, reject) => {
    let buf = Buffer.alloc(0);
    const onData = (d: Buffer) => {
      buf = Buffer.concat([buf, d]);
      let text: string | null = null;
      let used = 0;
      if (buf.length >= 16 && buf.subarray(0, 12).equals(V2SIG)) {
        const len = buf.readUInt16BE(14);
        if (buf.length < 16 + len) return;
        used = 16 + len;
        const fam = buf[13];
        const a = buf.subarray(16, used);
        text = fam === 0x11 ? `v2 TCP4 ${[...a.subarray(0, 4)].join('.')} ${[...a.subarray(4, 8)].join('.')} ${a.readUInt16BE(8)} ${a.readUInt16BE(10)}` : `v2 TCP6 ${a.subarray(0, 16).toString('hex')} ${a.readUInt16BE(32)}`;
      } else {
        const nl = buf.indexOf('\r\n');
        if (nl < 0) {
          if (buf.length > 107) reject(new Error('no PROXY header'));
          return;
        }
        text = buf.subarray(0, nl).toString('latin1');
        used = nl + 2;
      }
      sock.off('data', onData);
      sock.pause();
      sock.unshift(buf.subarray(used));
      resolve(text);
    };
    sock.on('data', onData);
  });
}

interface PPUpstream {
  port: number;
  headers: string[];
  /** Connections accepted so far. */
  conns: () => number;
  close: () => Promise<void>;
}

/** A TCP listener that takes the PROXY header off and passes the connection on to `inner`. */
async function ppUpstream(inner: { emit(ev: 'connection', s: Socket): boolean }, close: () => void): Promise<PPUpstream> {
  const headers: string[] = [];
  const socks = new Set<Socket>();
  const srv: Server = createNetServer((sock) => {
    socks.add(sock);
    sock.on('close', () => socks.delete(sock));
    void readHeader(sock).then((h) => {
      headers.push(h);
      inner.emit('connection', sock);
      sock.resume();
    });
  });
  await new Promise<void>((r) => srv.listen(0, '127.0.0.1', r));
  return {
    port: (srv.address() as AddressInfo).port,
    headers,
    conns: () => headers.length,
    close: () =>
      new Promise<void>((r) => {
        for (const s of socks) s.destroy();
        close();
        srv.close(() => r());
      }),
  };
}

const answer = (req: IncomingMessage | Http2ServerRequest, res: ServerResponse | Http2ServerResponse): void => {
  let n = 0;
  req.on('data', (c: Buffer) => (n += c.length));
  req.on('end', () => res.end(`${req.httpVersion} ${req.method} ${n}`));
};

let dir: string;
function selfSigned(): { key: Buffer; cert: Buffer } {
  dir ??= mkdtempSync(join(tmpdir(), 'tsweb-pp-'));
  execFileSync('openssl', ['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes', '-keyout', 'k.pem', '-out', 'c.pem', '-days', '1', '-subj', '/CN=up.test', '-addext', 'subjectAltName=DNS:up.test'], { cwd: dir, stdio: 'ignore' });
  return { key: readFileSync(join(dir, 'k.pem')), cert: readFileSync(join(dir, 'c.pem')) };
}

/** A request from a chosen loopback source address. */
function from(localAddress: string, port: number, path: string, body?: string): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, path, localAddress, method: body === undefined ? 'GET' : 'POST', agent: false }, (res) => {
      let b = '';
      res.setEncoding('utf8');
      res.on('data', (c: string) => (b += c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body: b }));
    });
    req.on('error', reject);
    req.end(body);
  });
}

describe('proxy_protocol', () => {
  const ups: PPUpstream[] = [];
  let h1: PPUpstream, tls1: PPUpstream, h2: PPUpstream, h2c: PPUpstream, s: Site;
  beforeAll(async () => {
    const kc = selfSigned();
    const plain: HttpServer = createServer(answer);
    h1 = await ppUpstream(plain, () => plain.closeAllConnections());
    const https = createHttpsServer(kc, answer);
    tls1 = await ppUpstream(https, () => https.closeAllConnections());
    const sec = createSecureServer({ ...kc, allowHTTP1: true }, (req, res) => answer(req, res));
    h2 = await ppUpstream(sec, () => sec.close());
    const clear = createH2cServer((req, res) => answer(req, res));
    h2c = await ppUpstream(clear, () => clear.close());
    ups.push(h1, tls1, h2, h2c);
    const tlsT = { insecure_skip_verify: true, server_name: 'up.test' };
    const rp = (port: number, transport: Record<string, unknown>) => ({ handler: 'reverse_proxy', upstreams: [{ dial: `127.0.0.1:${port}` }], transport: { protocol: 'http', ...transport } });
    s = await site([
      { match: [{ path: ['/v1/*'] }], handle: [rp(h1.port, { proxy_protocol: 'v1' })] },
      { match: [{ path: ['/v2/*'] }], handle: [rp(h1.port, { proxy_protocol: 'v2' })] },
      { match: [{ path: ['/tls/*'] }], handle: [rp(tls1.port, { proxy_protocol: 'v2', tls: tlsT })] },
      { match: [{ path: ['/h2/*'] }], handle: [rp(h2.port, { proxy_protocol: 'v1', tls: tlsT, versions: ['2'] })] },
      { match: [{ path: ['/h2c/*'] }], handle: [rp(h2c.port, { proxy_protocol: 'v1', versions: ['h2c'] })] },
      { match: [{ path: ['/local/*'] }], handle: [rp(h1.port, { proxy_protocol: 'v1', local_address: '127.0.0.9' })] },
    ]);
  });
  afterAll(async () => {
    await s?.stop();
    for (const u of ups) await u.close();
  });

  it('v1 over HTTP/1.1: the fast path (GET) and the general path (POST) send the client IP with port 0', async () => {
    const before = h1.headers.length;
    expect(await from('127.0.0.2', s.port, '/v1/a')).toEqual({ status: 200, body: '1.1 GET 0' });
    expect(await from('127.0.0.2', s.port, '/v1/b', 'hello')).toEqual({ status: 200, body: '1.1 POST 5' });
    const seen = h1.headers.slice(before);
    expect(seen.length).toBeGreaterThanOrEqual(1);
    for (const h of seen) expect(h).toBe('PROXY TCP4 127.0.0.2 0.0.0.0 0 0');
  });

  it('connections are per client IP: another client gets its own connection and header, the same client reuses its own', async () => {
    const before = h1.headers.length;
    await from('127.0.0.3', s.port, '/v1/x');
    await from('127.0.0.4', s.port, '/v1/x');
    await from('127.0.0.3', s.port, '/v1/x');
    await from('127.0.0.4', s.port, '/v1/x');
    const seen = h1.headers.slice(before);
    expect(seen).toEqual(['PROXY TCP4 127.0.0.3 0.0.0.0 0 0', 'PROXY TCP4 127.0.0.4 0.0.0.0 0 0']);
  });

  it('v2: the binary header (TCP over IPv4, destination zeros)', async () => {
    const before = h1.headers.length;
    expect((await from('127.0.0.5', s.port, '/v2/a')).body).toBe('1.1 GET 0');
    expect((await from('127.0.0.5', s.port, '/v2/a', 'xy')).body).toBe('1.1 POST 2');
    expect(h1.headers.slice(before)[0]).toBe('v2 TCP4 127.0.0.5 0.0.0.0 0 0');
  });

  it('TLS upstreams: the header goes before the handshake, on both paths', async () => {
    expect(await from('127.0.0.6', s.port, '/tls/a')).toEqual({ status: 200, body: '1.1 GET 0' });
    expect(await from('127.0.0.6', s.port, '/tls/a', 'abc')).toEqual({ status: 200, body: '1.1 POST 3' });
    expect(tls1.headers.length).toBeGreaterThanOrEqual(1);
    for (const h of tls1.headers) expect(h).toBe('v2 TCP4 127.0.0.6 0.0.0.0 0 0');
  });

  it('HTTP/2 upstreams (TLS with ALPN h2, and h2c) get the header on their connection', async () => {
    expect(await from('127.0.0.7', s.port, '/h2/a', 'abcd')).toEqual({ status: 200, body: '2.0 POST 4' });
    expect(h2.headers).toEqual(['PROXY TCP4 127.0.0.7 0.0.0.0 0 0']);
    expect(await from('127.0.0.7', s.port, '/h2c/a')).toEqual({ status: 200, body: '2.0 GET 0' });
    expect(h2c.headers).toEqual(['PROXY TCP4 127.0.0.7 0.0.0.0 0 0']);
  });

  it('local_address: upstream connections come from that address', async () => {
    const seen: string[] = [];
    const plain = createServer((req, res) => {
      seen.push(req.socket.remoteAddress ?? '');
      res.end('ok');
    });
    await new Promise<void>((r) => plain.listen(0, '127.0.0.1', r));
    const port = (plain.address() as AddressInfo).port;
    const t = await site([
      { handle: [{ handler: 'reverse_proxy', upstreams: [{ dial: `127.0.0.1:${port}` }], transport: { protocol: 'http', local_address: '127.0.0.9' } }] },
    ]);
    try {
      expect((await send(t.port, '/')).status).toBe(200);
      expect((await send(t.port, '/', { method: 'POST', body: 'x' })).status).toBe(200);
      expect(seen).toEqual(['127.0.0.9', '127.0.0.9']);
    } finally {
      await t.stop();
      plain.closeAllConnections();
      plain.close();
    }
    expect((await from('127.0.0.8', s.port, '/local/a')).body).toBe('1.1 GET 0');
  });

  it('bad values fail the load in Caddy words', () => {
    const dec = (transport: Record<string, unknown>) => () => decodeReverseProxy({ handler: 'reverse_proxy', transport: { protocol: 'http', ...transport } });
    expect(dec({ proxy_protocol: 'v3' })).toThrow(/proxy_protocol: unexpected proxy protocol version "v3"/);
    expect(dec({ local_address: 'udp/127.0.0.1' })).toThrow('local_address must be a TCP address, not a UDP address');
    expect(dec({ local_address: '127.0.0.1:1000-1001' })).toThrow('local_address must be a single address, not a port range');
    expect(dec({ local_address: 'tcp/127.0.0.1:0' })).not.toThrow();
  });

  it('the header bytes for IPv6 clients', () => {
    expect(proxyHeader('v1', '::1')!.toString()).toBe('PROXY TCP6 ::1 :: 0 0\r\n');
    const v2 = proxyHeader('v2', '2001:db8::1')!;
    expect(v2.length).toBe(16 + 36);
    expect(v2[13]).toBe(0x21);
    expect(v2.subarray(16, 32).toString('hex')).toBe('20010db8000000000000000000000001');
    expect(proxyHeader('v1', 'not-an-ip')).toBeNull();
  });
});
