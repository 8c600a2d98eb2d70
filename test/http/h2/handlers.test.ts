// One table of requests, run over HTTP/1.1 and HTTP/2 (TLS with ALPN, and
// h2c with prior knowledge): every handler must answer the same on each —
// same status, body and the headers a client acts on — except where HTTP/2
// itself differs (no connection-specific fields, proto "HTTP/2.0").
import { createServer, type IncomingMessage, type Server as HttpServer } from 'node:http';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gunzipSync, gzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Runtime } from '../../../src/runtime/runtime.js';
import { freePort } from '../../support/free_port.js';
import { logCollector } from '../../support/net.js';
import { h1, h2, type H2Reply, type ReqOpts, type Transport } from './clients.js';

let dir: string;
let runtime: Runtime;
let backend: HttpServer;
let tlsPort: number;
let plainPort: number;
const logs = logCollector();
const transports: Record<string, Transport> = {};

const respond = (body: string, extra: Record<string, unknown> = {}) => ({ handler: 'static_response', body, ...extra });
const route = (path: string, ...handle: unknown[]) => ({ match: [{ path: [path] }], handle });
const big = 'abcdefghij'.repeat(2000);

function routes(backendPort: number) {
  const proxy = { handler: 'reverse_proxy', upstreams: [{ dial: `127.0.0.1:${backendPort}` }], flush_interval: -1 };
  return [
    {
      match: [{ host: ['localhost'] }],
      handle: [
        {
          handler: 'subroute',
          routes: [
            route('/static', respond('hi {http.request.proto} {http.request.scheme} {http.request.host}', { status_code: 201, headers: { 'X-Two': ['a', 'b'], 'Cache-Control': ['no-store'] } })),
            route('/tls', respond('[{http.request.tls.proto}] [{http.request.tls.version}] [{http.request.tls.server_name}]')),
            route('/ph', respond('{http.request.method} {http.request.uri} {http.request.header.X-In} {http.request.header.Cookie}')),
            route('/hop', respond('hop', { headers: { Connection: ['keep-alive'], 'Keep-Alive': ['timeout=5'], Upgrade: ['foo'], 'X-Kept': ['yes'] } })),
            route('/files/*', { handler: 'file_server', root: dir, precompressed: { gzip: {} }, precompressed_order: ['gzip'] }),
            route('/enc/*', { handler: 'encode', encodings: { gzip: {} }, prefer: ['gzip'] }, respond(big, { headers: { 'Content-Type': ['text/plain'] } })),
            route('/hdr', { handler: 'headers', response: { set: { 'X-Set': ['set'] }, delete: ['Server'], deferred: true } }, respond('headers')),
            route('/err', { handler: 'error', error: 'not here', status_code: 404 }),
            route('/proxy/echo-hdr', { handler: 'headers', request: { set: { 'X-Added': ['yes'] }, delete: ['X-Gone'] } }, proxy),
            route('/proxy/*', proxy),
            route('/metrics', { handler: 'metrics' }),
          ],
          errors: { routes: [{ handle: [respond('caught {http.error.status_code} over {http.request.proto}', { status_code: '{http.error.status_code}' })] }] },
        },
      ],
      terminal: true,
    },
  ];
}

function echo(req: IncomingMessage, body: Buffer) {
  return JSON.stringify({ method: req.method, url: req.url, host: req.headers.host, cookie: req.headersDistinct.cookie, names: Object.keys(req.headers), body: body.toString(), via: req.headers['x-forwarded-proto'] });
}

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'tsweb-h2-handlers-'));
  mkdirSync(join(dir, 'files'));
  writeFileSync(join(dir, 'files', 'a.txt'), big);
  writeFileSync(join(dir, 'files', 'app.js'), 'console.log("plain")\n'.repeat(50));
  writeFileSync(join(dir, 'files', 'app.js.gz'), gzipSync('console.log("plain")\n'.repeat(50)));
  backend = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      if (req.url === '/proxy/stream') {
        res.writeHead(200, { 'Content-Type': 'text/event-stream' });
        res.write('data: one\n\n');
        setTimeout(() => res.end('data: two\n\n'), 50);
        return;
      }
      if (req.url === '/proxy/trailers') {
        res.writeHead(200, { 'Content-Type': 'text/plain', Trailer: 'X-Sum' });
        res.write('body then ');
        res.addTrailers({ 'X-Sum': 'abc123' });
        res.end('trailers');
        return;
      }
      if (req.url === '/proxy/hop') {
        res.writeHead(200, { Connection: 'X-Private, keep-alive', 'X-Private': 'secret', 'Keep-Alive': 'timeout=3', 'X-Public': 'ok' });
        res.end('proxied hop');
        return;
      }
      res.setHeader('Content-Type', 'application/json');
      res.end(echo(req, Buffer.concat(chunks)));
    });
  });
  await new Promise<void>((resolve) => backend.listen(0, '127.0.0.1', resolve));
  const backendPort = (backend.address() as AddressInfo).port;
  tlsPort = await freePort();
  plainPort = await freePort();
  runtime = new Runtime({ env: { ...process.env, XDG_DATA_HOME: join(dir, 'data') }, log: logs.log });
  await runtime.load({
    apps: {
      http: {
        http_port: await freePort(),
        https_port: tlsPort,
        metrics: {},
        servers: {
          tls: { listen: [`127.0.0.1:${tlsPort}`], routes: routes(backendPort), logs: {} },
          plain: { listen: [`127.0.0.1:${plainPort}`], protocols: ['h1', 'h2c'], automatic_https: { disable: true }, routes: routes(backendPort), logs: {} },
        },
      },
    },
  });
  const ca = readFileSync(join(dir, 'data', 'tsweb', 'pki', 'authorities', 'local', 'root.crt'));
  transports['h1 over TLS'] = h1({ port: tlsPort, host: 'localhost', ca });
  transports['h2 over TLS'] = h2({ port: tlsPort, host: 'localhost', ca });
  transports['h1 plain'] = h1({ port: plainPort, host: 'localhost' });
  transports['h2c'] = h2({ port: plainPort, host: 'localhost' });
});

afterAll(async () => {
  for (const t of Object.values(transports)) t.close();
  await runtime?.stop();
  await new Promise<void>((resolve) => (backend ? backend.close(() => resolve()) : resolve()));
  rmSync(dir, { recursive: true, force: true });
});

interface Case {
  name: string;
  path: string;
  opts?: ReqOpts;
  check: (r: H2Reply, t: { proto: string; scheme: string }) => void;
}

/** The headers whose presence and value a client acts on, compared across protocols. */
const compared = ['content-type', 'content-length', 'content-encoding', 'content-range', 'etag', 'last-modified', 'location', 'cache-control', 'vary', 'accept-ranges', 'x-two', 'x-set', 'x-kept', 'x-public', 'server'];

const cases: Case[] = [
  {
    name: 'metrics: the Prometheus text, counting this server\'s requests',
    path: '/metrics',
    check: (r) => {
      expect(r.status).toBe(200);
      expect(String(r.headers['content-type'])).toMatch(/^text\/plain/);
      expect(r.text).toMatch(/^caddy_http_requests_total\{.*server="tls".*\} \d+$/m);
    },
  },
  {
    name: 'static_response: status, body with placeholders, repeated headers',
    path: '/static',
    check: (r, t) => {
      expect(r.status).toBe(201);
      expect(r.text).toBe(`hi ${t.proto} ${t.scheme} localhost`);
      expect(String(r.headers['x-two'])).toBe('a, b');
      expect(r.headers['content-length']).toBe(String(r.body.length));
    },
  },
  {
    name: 'request placeholders: method, uri, headers, several cookies joined',
    path: '/ph?q=1',
    opts: { headers: { 'x-in': 'given', cookie: ['a=1', 'b=2'] } },
    check: (r) => expect(r.text).toBe('GET /ph?q=1 given a=1; b=2'),
  },
  {
    name: 'TLS placeholders: the negotiated protocol, version and server name',
    path: '/tls',
    check: (r, t) => {
      // Without TLS they are unknown placeholders, left as written (as Caddy's respond does).
      if (t.scheme === 'http') expect(r.text).toBe('[{http.request.tls.proto}] [{http.request.tls.version}] [{http.request.tls.server_name}]');
      // node's https client offers no ALPN; its HTTP/2 client offers h2.
      else expect(r.text).toBe(`[${t.proto === 'HTTP/2.0' ? 'h2' : ''}] [tls1.3] [localhost]`);
    },
  },
  {
    name: 'connection-specific response headers are not sent over HTTP/2',
    path: '/hop',
    check: (r, t) => {
      expect(r.text).toBe('hop');
      expect(r.headers['x-kept']).toBe('yes');
      if (t.proto === 'HTTP/2.0') {
        for (const h of ['connection', 'keep-alive', 'upgrade', 'transfer-encoding']) expect(r.headers[h]).toBeUndefined();
      }
    },
  },
  {
    name: 'file_server: a whole file',
    path: '/files/a.txt',
    check: (r) => {
      expect(r.status).toBe(200);
      expect(r.text).toBe(big);
      expect(r.headers['etag']).toBeDefined();
    },
  },
  {
    name: 'file_server: a range',
    path: '/files/a.txt',
    opts: { headers: { range: 'bytes=10-19' } },
    check: (r) => {
      expect(r.status).toBe(206);
      expect(r.text).toBe('abcdefghij');
      expect(r.headers['content-range']).toBe(`bytes 10-19/${big.length}`);
    },
  },
  {
    name: 'file_server: HEAD has the length and no body',
    path: '/files/a.txt',
    opts: { method: 'HEAD' },
    check: (r) => {
      expect(r.status).toBe(200);
      expect(r.headers['content-length']).toBe(String(big.length));
      expect(r.body.length).toBe(0);
    },
  },
  {
    name: 'file_server: a precompressed sidecar',
    path: '/files/app.js',
    opts: { headers: { 'accept-encoding': 'gzip' } },
    check: (r) => {
      expect(r.headers['content-encoding']).toBe('gzip');
      expect(gunzipSync(r.body).toString()).toBe('console.log("plain")\n'.repeat(50));
    },
  },
  {
    name: 'file_server: a missing file goes to the error routes',
    path: '/files/nope.txt',
    check: (r, t) => {
      expect(r.status).toBe(404);
      expect(r.text).toBe(`caught 404 over ${t.proto}`);
    },
  },
  {
    name: 'encode: gzip when asked',
    path: '/enc/x',
    opts: { headers: { 'accept-encoding': 'gzip' } },
    check: (r) => {
      expect(r.headers['content-encoding']).toBe('gzip');
      expect(gunzipSync(r.body).toString()).toBe(big);
    },
  },
  {
    name: 'encode: identity when not asked',
    path: '/enc/x',
    check: (r) => {
      expect(r.headers['content-encoding']).toBeUndefined();
      expect(r.text).toBe(big);
    },
  },
  {
    name: 'headers: deferred set and delete',
    path: '/hdr',
    check: (r) => {
      expect(r.headers['x-set']).toBe('set');
      expect(r.headers['server']).toBeUndefined();
    },
  },
  {
    name: 'error routes',
    path: '/err',
    check: (r, t) => {
      expect(r.status).toBe(404);
      expect(r.text).toBe(`caught 404 over ${t.proto}`);
    },
  },
  {
    name: 'reverse_proxy: request line, Host, headers and body reach the upstream over HTTP/1.1',
    path: '/proxy/echo?x=1',
    opts: { method: 'POST', headers: { 'content-type': 'text/plain', cookie: ['a=1', 'b=2'] }, body: 'payload' },
    check: (r, t) => {
      expect(r.status).toBe(200);
      const got = JSON.parse(r.text) as { method: string; url: string; host: string; cookie: string[]; names: string[]; body: string; via: string };
      expect(got).toMatchObject({ method: 'POST', url: '/proxy/echo?x=1', host: `localhost:${t.scheme === 'https' ? tlsPort : plainPort}`, body: 'payload', via: t.scheme });
      expect(got.cookie).toEqual(['a=1; b=2']);
      expect(got.names.filter((n) => n.startsWith(':'))).toEqual([]);
    },
  },
  {
    name: 'reverse_proxy: request header changes made before it reach the upstream',
    path: '/proxy/echo-hdr',
    opts: { headers: { 'x-gone': 'bye', 'x-kept': 'here' } },
    check: (r) => {
      const got = JSON.parse(r.text) as { names: string[] };
      expect(got.names).toContain('x-added');
      expect(got.names).toContain('x-kept');
      expect(got.names).not.toContain('x-gone');
    },
  },
  {
    name: 'reverse_proxy: HEAD gets the head and no body',
    path: '/proxy/stream',
    opts: { method: 'HEAD' },
    check: (r) => {
      expect(r.status).toBe(200);
      expect(r.headers['content-type']).toBe('text/event-stream');
      expect(r.body.length).toBe(0);
    },
  },
  {
    name: 'encode: HEAD gets the head and no body',
    path: '/enc/x',
    opts: { method: 'HEAD', headers: { 'accept-encoding': 'gzip' } },
    check: (r) => {
      expect(r.status).toBe(200);
      expect(r.body.length).toBe(0);
    },
  },
  {
    name: 'reverse_proxy: a streamed response arrives whole',
    path: '/proxy/stream',
    check: (r) => {
      expect(r.headers['content-type']).toBe('text/event-stream');
      expect(r.text).toBe('data: one\n\ndata: two\n\n');
    },
  },
  {
    name: "reverse_proxy: the upstream's trailers reach a client that accepts them (TE: trailers)",
    path: '/proxy/trailers',
    opts: { headers: { te: 'trailers' } },
    check: (r) => {
      expect(r.text).toBe('body then trailers');
      expect(r.trailers['x-sum']).toBe('abc123');
    },
  },
  {
    name: "reverse_proxy: the upstream's hop-by-hop headers are dropped",
    path: '/proxy/hop',
    check: (r) => {
      expect(r.text).toBe('proxied hop');
      expect(r.headers['x-public']).toBe('ok');
      expect(r.headers['x-private']).toBeUndefined();
      expect(r.headers['keep-alive']).toBeUndefined();
    },
  },
];

const modes = [
  { name: 'h1 over TLS', proto: 'HTTP/1.1', scheme: 'https' },
  { name: 'h2 over TLS', proto: 'HTTP/2.0', scheme: 'https' },
  { name: 'h1 plain', proto: 'HTTP/1.1', scheme: 'http' },
  { name: 'h2c', proto: 'HTTP/2.0', scheme: 'http' },
] as const;

describe.each(modes)('$name', (mode) => {
  it.each(cases)('$name', async (c) => {
    const r = await transports[mode.name]!.request(c.path, c.opts);
    expect(r.proto).toBe(mode.proto);
    c.check(r, mode);
  });
});

describe('h1 and h2 agree', () => {
  it.each(cases)('$name', async (c) => {
    const [a, b] = [await transports['h1 over TLS']!.request(c.path, c.opts), await transports['h2 over TLS']!.request(c.path, c.opts)];
    expect(b.status).toBe(a.status);
    if (!/^\/(proxy|static|err|metrics|tls)/.test(c.path) && !c.path.includes('nope')) expect(b.text).toBe(a.text);
    const pick = (r: H2Reply) => Object.fromEntries(compared.filter((h) => r.headers[h] !== undefined).map((h) => [h, String(r.headers[h])]));
    const [ha, hb] = [pick(a), pick(b)];
    // Validators and dates may tick between the two requests; their presence must match.
    for (const h of ['last-modified']) if (ha[h] !== undefined && hb[h] !== undefined) ha[h] = hb[h]!;
    // Bodies that name the request (echo, counters) differ in length.
    if (c.path.startsWith('/proxy/echo') || c.path === '/metrics' || c.path === '/tls') delete ha['content-length'], delete hb['content-length'];
    expect(hb).toEqual(ha);
  });
});

describe('the access log', () => {
  it('logs HTTP/2 requests with their proto, status and size', async () => {
    const r = await transports['h2 over TLS']!.request('/static?log=1');
    expect(r.status).toBe(201);
    const line = logs.lines.find((l) => l.msg === 'handled request' && (l.fields.request as { uri?: string }).uri === '/static?log=1');
    expect(line?.fields).toMatchObject({ status: 201, size: r.body.length, request: { proto: 'HTTP/2.0', host: `localhost:${tlsPort}`, method: 'GET' } });
    const headers = (line!.fields.request as { headers: Record<string, string[]> }).headers;
    expect(Object.keys(headers).filter((k) => k.startsWith(':'))).toEqual([]);
  });
});
