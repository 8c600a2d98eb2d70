// The engine as a client sees it: real listeners on loopback, real clients
// (fetch, raw sockets for what fetch will not send), the responses Caddy
// 2.6.2 gives for the same config and requests.
import { existsSync, mkdtempSync } from 'node:fs';
import { request as httpRequest } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Runtime } from '../../../src/runtime/runtime.js';
import { freePort, logCollector, rawExchange, serve, statusOf } from '../../support/net.js';

const respond = (body: string, status?: number | string, extra: Record<string, unknown> = {}) => ({
  handler: 'static_response', body, ...(status === undefined ? {} : { status_code: status }), ...extra,
});

describe('a server with routes, error routes and listeners', () => {
  let port: number;
  let port2: number;
  let port3: number;
  let stop: () => Promise<void>;
  const logs = logCollector();

  beforeAll(async () => {
    port = await freePort();
    port2 = await freePort();
    port3 = await freePort();
    ({ stop } = await serve({
      servers: {
        srv0: {
          listen: [`127.0.0.1:${port}`, `127.0.0.1:${port2}`],
          routes: [
            { match: [{ path: ['/hello'] }], handle: [respond('hello {http.request.uri.path}', 201, { headers: { 'X-Test': ['a', 'b'] } })] },
            { match: [{ path: ['/json'] }], handle: [respond('{"a":1}')] },
            { match: [{ path: ['/teapot'] }], handle: [{ handler: 'error', error: 'short and stout at {http.request.uri.path}', status_code: 418 }] },
            { match: [{ path: ['/plain-error'] }], handle: [{ handler: 'error', status_code: 403 }] },
            { match: [{ path: ['/crash'] }], handle: [{ handler: 'test_crash' }] },
            { match: [{ path: ['/abort'] }], handle: [{ handler: 'static_response', abort: true }] },
            { match: [{ path: ['/close'] }], handle: [respond('bye', 200, { close: true })] },
            { match: [{ path: ['/vars'] }], handle: [{ handler: 'vars', who: 'world' }, respond('hi {http.vars.who}')] },
            { match: [{ path: ['/named'] }], handle: [{ handler: 'invoke', name: 'shared' }] },
            { match: [{ path: ['/unnamed'] }], handle: [{ handler: 'invoke', name: 'nobody' }] },
            { match: [{ path: ['/midway'] }], handle: [{ handler: 'test_fail_midway' }] },
            { match: [{ path: ['/sub/*'] }], handle: [{ handler: 'subroute', routes: [{ handle: [{ handler: 'error', error: 'inner', status_code: 409 }] }], errors: { routes: [{ handle: [respond('sub caught {http.error.status_code}')] }] } }] },
          ],
          named_routes: { shared: { handle: [respond('from a named route')] } },
          errors: {
            routes: [
              { match: [{ path: ['/teapot'] }], handle: [respond('{http.error.status_code} {http.error.status_text}: {http.error.message}')] },
            ],
          },
        },
        srv1: {
          // No error routes: Caddy's default answer is the bare status.
          listen: [`127.0.0.1:${port3}`],
          routes: [{ handle: [{ handler: 'error', error: 'nope', status_code: 404 }] }],
        },
      },
    }, logs.log));
  });
  afterAll(() => stop?.());

  const url = (path: string, p = port) => `http://127.0.0.1:${p}${path}`;

  it('answers with status, headers and placeholder body; Server: tsweb', async () => {
    const r = await fetch(url('/hello'));
    expect(r.status).toBe(201);
    expect(r.headers.get('server')).toBe('tsweb');
    expect(r.headers.get('x-test')).toBe('a, b');
    expect(r.headers.get('content-type')).toBe('text/plain; charset=utf-8');
    expect(await r.text()).toBe('hello /hello');
  });

  it('serves the same routes on every listener of the server', async () => {
    expect(await (await fetch(url('/hello', port2))).text()).toBe('hello /hello');
  });

  it('a JSON body is served as application/json, like Caddy', async () => {
    const r = await fetch(url('/json'));
    expect(r.headers.get('content-type')).toBe('application/json');
  });

  it('an unhandled request gets an empty 200', async () => {
    const r = await fetch(url('/nothing/here'));
    expect(r.status).toBe(200);
    expect(r.headers.get('content-length')).toBe('0');
    expect(r.headers.get('content-type')).toBeNull();
    expect(await r.text()).toBe('');
  });

  it('an error goes to the error routes with {http.error.*}', async () => {
    const r = await fetch(url('/teapot'));
    expect(r.status).toBe(418);
    expect(await r.text()).toBe("418 I'm a teapot: short and stout at /teapot");
  });

  it('an error no error route matches gets its status and an empty body', async () => {
    const r = await fetch(url('/plain-error'));
    expect(r.status).toBe(403);
    expect(await r.text()).toBe('');
  });

  it('without error routes an error is its bare status', async () => {
    const r = await fetch(url('/', port3));
    expect(r.status).toBe(404);
    expect(r.headers.get('server')).toBe('tsweb');
    expect(await r.text()).toBe('');
  });

  it('a subroute handles its own errors', async () => {
    const r = await fetch(url('/sub/x'));
    expect(r.status).toBe(409);
    expect(await r.text()).toBe('sub caught 409');
  });

  it('vars and named routes', async () => {
    expect(await (await fetch(url('/vars'))).text()).toBe('hi world');
    expect(await (await fetch(url('/named'))).text()).toBe('from a named route');
  });

  it('invoking a route the server does not have is a 500', async () => {
    expect((await fetch(url('/unnamed'))).status).toBe(500);
  });

  it('an error after the response started cuts the connection instead of appending an error page', async () => {
    const r = await rawExchange(port, 'GET /midway HTTP/1.1\r\nHost: x\r\n\r\n');
    expect(statusOf(r.text)).toBe(200);
    expect(r.text).toContain('partial ');
    expect(r.text).not.toMatch(/0\r\n\r\n$/); // no clean end of the chunked body
    expect(r.end).toBe('closed');
  });

  it('abort drops the connection without a response', async () => {
    const r = await rawExchange(port, 'GET /abort HTTP/1.1\r\nHost: x\r\n\r\n');
    expect(r.text).toBe('');
    expect(r.end).not.toBe('timeout');
  });

  it('close answers, then closes the connection', async () => {
    const r = await rawExchange(port, 'GET /close HTTP/1.1\r\nHost: x\r\n\r\n');
    expect(statusOf(r.text)).toBe(200);
    expect(r.text).toMatch(/\r\nConnection: close\r\n/i);
    expect(r.text.endsWith('bye')).toBe(true);
    expect(r.end).toBe('closed');
  });

  it('keeps connections alive between requests', async () => {
    const r = await rawExchange(port, ['GET /hello HTTP/1.1\r\nHost: x\r\n\r\n', 'GET /json HTTP/1.1\r\nHost: x\r\n\r\n'], { gapMs: 100, limitMs: 600 });
    expect(r.text.match(/HTTP\/1\.1 \d{3}/g)).toEqual(['HTTP/1.1 201', 'HTTP/1.1 200']);
    expect(r.end).toBe('timeout'); // still open: we hung up
  });

  describe('requests Go\'s net/http refuses, with its answers', () => {
    it('HTTP/1.1 without Host → 400', async () => {
      const r = await rawExchange(port, 'GET / HTTP/1.1\r\n\r\n');
      expect(r.text).toMatch(/^HTTP\/1\.1 400 Bad Request: missing required Host header\r\n/);
      expect(r.text.endsWith('400 Bad Request: missing required Host header')).toBe(true);
      expect(r.end).toBe('closed');
    });

    it('HTTP/1.0 without Host is fine', async () => {
      const r = await rawExchange(port, 'GET /hello HTTP/1.0\r\n\r\n');
      expect(statusOf(r.text)).toBe(201);
    });

    it('two Host headers → 400', async () => {
      const r = await rawExchange(port, 'GET / HTTP/1.1\r\nHost: a\r\nHost: b\r\n\r\n');
      expect(statusOf(r.text)).toBe(400);
    });

    it('garbage → 400', async () => {
      const r = await rawExchange(port, 'GARBAGE\r\n\r\n');
      expect(r.text).toBe('HTTP/1.1 400 Bad Request\r\nContent-Type: text/plain; charset=utf-8\r\nConnection: close\r\n\r\n400 Bad Request');
    });

    it('an unknown HTTP version → 505', async () => {
      const r = await rawExchange(port, 'GET / HTTP/9.9\r\nHost: x\r\n\r\n');
      expect(statusOf(r.text)).toBe(505);
    });

    it('headers over the limit (1 MiB by default) → 431', async () => {
      const r = await rawExchange(port, `GET / HTTP/1.1\r\nHost: x\r\nX-Big: ${'a'.repeat(1_100_000)}\r\n\r\n`);
      expect(r.text).toMatch(/^HTTP\/1\.1 431 Request Header Fields Too Large\r\n/);
    });

    it('a URL over the header limit → 431, as Caddy answers (Go counts the request line)', async () => {
      const r = await rawExchange(port, `GET /${'a'.repeat(1_100_000)} HTTP/1.1\r\nHost: x\r\n\r\n`);
      expect(statusOf(r.text)).toBe(431);
    });

    it('the server keeps serving after all of that', async () => {
      expect((await fetch(url('/hello'))).status).toBe(201);
    });
  });

  it('a handler that throws is a logged 500, and the server lives on', async () => {
    const r = await fetch(url('/crash'));
    expect(r.status).toBe(500);
    expect(await r.text()).toBe('');
    expect(logs.lines.some((l) => l.level === 'error' && l.msg.includes('deliberate'))).toBe(true);
    expect((await fetch(url('/hello'))).status).toBe(201);
  });
});

// Registered once for the crash test: a handler with a bug (known to validation like any module).
import { registerHandler } from '../../../src/core/registry.js';
// Starts a response, then fails.
registerHandler('test_fail_midway', () => async (ctx) => {
  ctx.w.setHeader('Content-Type', 'text/plain');
  ctx.w.writeHead(200);
  ctx.w.write('partial ');
  throw new Error('upstream went away');
});
// Never answers (until the connection goes away).
registerHandler('test_stall', () => (ctx) => new Promise((resolve) => ctx.w.onClose(resolve)));
registerHandler('test_crash', () => async () => {
  throw new TypeError('deliberate bug');
});

describe('listener addresses', () => {
  it('port ranges, IPv6 loopback and unix sockets', async () => {
    // A range needs two adjacent free ports; try a few bases.
    let runtime: Runtime | null = null;
    let base = 0;
    const dir = mkdtempSync(join(tmpdir(), 'tsweb-sock-'));
    const sock = join(dir, 'tsweb.sock');
    for (let attempt = 0; attempt < 20 && runtime === null; attempt++) {
      // Below the ephemeral range: client sockets of other tests (TIME_WAIT) never hold these.
      base = 20000 + Math.floor(Math.random() * 12000);
      const r = new Runtime();
      try {
        await r.load({ apps: { http: { servers: { s: { listen: [`127.0.0.1:${base}-${base + 1}`, `unix/${sock}`], routes: [{ handle: [respond('ok')] }] } } } } });
        runtime = r;
      } catch {
        await r.stop();
      }
    }
    expect(runtime).not.toBeNull();
    try {
      for (const p of [base, base + 1]) expect(await (await fetch(`http://127.0.0.1:${p}/`)).text()).toBe('ok');
      const viaUnix = await new Promise<string>((resolve, reject) => {
        const req = httpRequest({ socketPath: sock, path: '/', headers: { host: 'x' } }, (res) => {
          let body = '';
          res.on('data', (d) => (body += d));
          res.on('end', () => resolve(body));
        });
        req.on('error', reject);
        req.end();
      });
      expect(viaUnix).toBe('ok');
    } finally {
      await runtime!.stop();
    }
    expect(existsSync(sock)).toBe(false);
  });

  it('IPv6 loopback, when the host has it', async () => {
    const r = new Runtime();
    try {
      await r.load({ apps: { http: { servers: { s: { listen: ['[::1]:0'], routes: [{ handle: [respond('v6')] }] } } } } });
    } catch (err) {
      await r.stop();
      if (/EADDRNOTAVAIL|EAFNOSUPPORT/.test(String(err))) return; // no IPv6 here
      throw err;
    }
    try {
      const addr = r.addresses().get('s')![0]!;
      expect(addr).toMatch(/^\[::1\]:\d+$/);
      expect(await (await fetch(`http://${addr}/`)).text()).toBe('v6');
    } finally {
      await r.stop();
    }
  });

  it('where Caddy would serve HTTPS (a public name), tsweb serves HTTPS and manages the certificate over ACME', async () => {
    const logs = logCollector();
    // The ACME CA is a loopback port nobody listens on: nothing leaves the machine.
    const env = { ...process.env, XDG_DATA_HOME: mkdtempSync(join(tmpdir(), 'tsweb-server-acme-')), TSWEB_ACME_CA: `https://127.0.0.1:${await freePort()}/dir` };
    const r = new Runtime({ log: logs.log, env });
    try {
      await r.load({ apps: { http: { http_port: 1, servers: { s: { listen: ['127.0.0.1:0'], routes: [{ match: [{ host: ['example.com'] }], handle: [respond('secure?')] }] } } } } });
      expect(logs.lines.some((l) => /TLS is not implemented yet/.test(l.msg))).toBe(false);
      expect(logs.lines.find((l) => l.msg === 'enabling automatic TLS certificate management')?.fields).toMatchObject({ domains: ['example.com'] });
      expect(logs.lines.find((l) => l.msg === 'server running')?.fields).toMatchObject({ name: 's', listen: [expect.stringMatching(/^127\.0\.0\.1:\d+$/)] });
    } finally {
      await r.stop();
    }
  });

  it('an address in use fails the load with a message naming it', async () => {
    const port = await freePort();
    const a = new Runtime();
    const b = new Runtime();
    try {
      await a.load({ apps: { http: { servers: { s: { listen: [`127.0.0.1:${port}`] } } } } });
      await expect(b.load({ apps: { http: { servers: { s: { listen: [`127.0.0.1:${port}`] } } } } })).rejects.toThrow(
        new RegExp(`listening on 127\\.0\\.0\\.1:${port}: listen EADDRINUSE`),
      );
    } finally {
      await a.stop();
      await b.stop();
    }
  });
});

describe('timeouts', () => {
  it('read_header_timeout closes a slowloris connection', async () => {
    const port = await freePort();
    const { stop } = await serve({ servers: { s: { listen: [`127.0.0.1:${port}`], read_header_timeout: 400_000_000, routes: [{ handle: [respond('ok')] }] } } });
    try {
      // One header byte every 150 ms, never finishing: the server must hang up long before we stop.
      const drip = ['GET / HTTP/1.1\r\n', ...'Host: example.com\r\nX-Slow: aaaaaaaaaaaaaaaaaaaa'.split('')];
      const r = await rawExchange(port, drip, { gapMs: 150, limitMs: 4000 });
      expect(r.end).not.toBe('timeout');
      expect(r.ms).toBeLessThan(2000);
      expect(r.text).toBe('');
      // A normal client is unaffected.
      expect(await (await fetch(`http://127.0.0.1:${port}/`)).text()).toBe('ok');
    } finally {
      await stop();
    }
  });

  it('idle_timeout closes a kept-alive connection that stays idle', async () => {
    const port = await freePort();
    const { stop } = await serve({ servers: { s: { listen: [`127.0.0.1:${port}`], idle_timeout: '300ms', routes: [{ handle: [respond('ok')] }] } } });
    try {
      const r = await rawExchange(port, 'GET / HTTP/1.1\r\nHost: x\r\n\r\n', { limitMs: 3000 });
      expect(statusOf(r.text)).toBe(200);
      expect(r.end).toBe('closed');
      expect(r.ms).toBeLessThan(1500);
    } finally {
      await stop();
    }
  });

  it('write_timeout cuts a response that takes too long', async () => {
    const port = await freePort();
    const { stop } = await serve({ servers: { s: { listen: [`127.0.0.1:${port}`], write_timeout: '300ms', routes: [{ handle: [{ handler: 'test_stall' }] }] } } });
    try {
      const r = await rawExchange(port, 'GET / HTTP/1.1\r\nHost: x\r\n\r\n', { limitMs: 3000 });
      expect(r.end).not.toBe('timeout');
      expect(r.ms).toBeLessThan(1500);
      expect(r.text).toBe('');
    } finally {
      await stop();
    }
  });

  it('max_header_size lowers the header limit', async () => {
    const port = await freePort();
    const { stop } = await serve({ servers: { s: { listen: [`127.0.0.1:${port}`], max_header_size: 2048, routes: [{ handle: [respond('ok')] }] } } });
    try {
      // Go's slack: 2048 + 4096 bytes pass, well beyond that does not.
      expect(statusOf((await rawExchange(port, `GET / HTTP/1.1\r\nHost: x\r\nConnection: close\r\nX-A: ${'a'.repeat(5000)}\r\n\r\n`)).text)).toBe(200);
      expect(statusOf((await rawExchange(port, `GET / HTTP/1.1\r\nHost: x\r\nX-A: ${'a'.repeat(9000)}\r\n\r\n`)).text)).toBe(431);
    } finally {
      await stop();
    }
  });
});
