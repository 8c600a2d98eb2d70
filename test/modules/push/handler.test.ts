/**
 * push on a real server from a Caddyfile: node:http2 clients that accept
 * pushes (enablePush) see the PUSH_PROMISEs and the pushed responses, which
 * the server's own routes produce (file_server, respond); Link fields are
 * pushed unless nopush or remote; promised requests carry Caddy's headers
 * and never push again; a client without push and HTTP/1.1 (curl) get the
 * plain response. Caddy's TestParseLinkHeader table at the end.
 */
import { execFile, execFileSync } from 'node:child_process';
import { mkdtempSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { connect, type ClientHttp2Session, type ClientHttp2Stream, type IncomingHttpHeaders } from 'node:http2';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { adaptCaddyfile } from '../../../src/adapt/index.js';
import { parseLinkHeader } from '../../../src/modules/push/link.js';
import { Runtime } from '../../../src/runtime/runtime.js';
import { freePort, logCollector } from '../../support/net.js';

const run = promisify(execFile);

interface Pushed {
  /** The promised request's pseudo-headers and fields. */
  request: IncomingHttpHeaders;
  status: number;
  headers: IncomingHttpHeaders;
  body: string;
}

interface Exchange {
  status: number;
  headers: IncomingHttpHeaders;
  body: string;
  pushes: Pushed[];
}

/** One GET on a fresh session; collects every pushed stream to its end. */
function get(url: string, path: string, opts: { enablePush: boolean; ca?: Buffer; headers?: Record<string, string> }): Promise<Exchange> {
  return new Promise((resolve, reject) => {
    const session: ClientHttp2Session = connect(url, { settings: { enablePush: opts.enablePush }, ...(opts.ca ? { ca: opts.ca, servername: 'localhost' } : {}) });
    session.on('error', reject);
    const pushes: Promise<Pushed>[] = [];
    session.on('stream', (stream: ClientHttp2Stream, request: IncomingHttpHeaders) => {
      pushes.push(
        new Promise((ok, fail) => {
          let status = 0;
          let headers: IncomingHttpHeaders = {};
          let body = '';
          stream.on('push', (h) => {
            status = Number(h[':status']);
            headers = h;
          });
          stream.on('data', (c: Buffer) => (body += c.toString()));
          stream.on('end', () => ok({ request, status, headers, body }));
          stream.on('error', fail);
        }),
      );
    });
    const req = session.request({ ':path': path, ...opts.headers });
    let status = 0;
    let headers: IncomingHttpHeaders = {};
    let body = '';
    req.on('response', (h) => {
      status = Number(h[':status']);
      headers = h;
    });
    req.on('data', (c: Buffer) => (body += c.toString()));
    req.on('end', async () => {
      try {
        const all = await Promise.all(pushes);
        all.sort((a, b) => String(a.request[':path']).localeCompare(String(b.request[':path'])));
        resolve({ status, headers, body, pushes: all });
      } catch (err) {
        reject(err);
      } finally {
        session.close();
      }
    });
    req.on('error', reject);
    req.setTimeout(10_000, () => reject(new Error('timeout')));
  });
}

let dir = '';
let port = 0;
let tlsPort = 0;
let runtime: Runtime;
const logs = logCollector();
const file = (name: string) => readFileSync(join(dir, 'www', name), 'utf8');

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'tsweb-push-'));
  const www = join(dir, 'www');
  mkdirSync(www);
  writeFileSync(join(www, 'index.html'), '<!doctype html><link rel=stylesheet href=/style.css><script src=/app.js></script>\n');
  writeFileSync(join(www, 'style.css'), 'body { color: teal }\n');
  writeFileSync(join(www, 'app.js'), 'console.log("pushed")\n');
  writeFileSync(join(www, 'head.txt'), 'only the head is pushed\n');
  writeFileSync(join(www, 'linked.html'), '<p>linked</p>\n');
  writeFileSync(join(www, 'linked.css'), 'p { margin: 0 }\n');
  execFileSync('openssl', ['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes', '-keyout', 'server.key', '-out', 'server.crt', '-days', '1', '-subj', '/CN=localhost', '-addext', 'subjectAltName=DNS:localhost'], { cwd: dir, stdio: 'pipe' });

  port = await freePort();
  tlsPort = await freePort();
  const caddyfile = `{
	admin off
	auto_https off
	servers {
		protocols h1 h2c
	}
}

:${port} {
	bind 127.0.0.1
	root * ${www}

	push /index.html /style.css {
		GET /app.js
		HEAD /head.txt
		/echo
		headers {
			X-Pushed yes
			-User-Agent
		}
	}
	# Every request would push again if promised requests were not told apart.
	push /style.css /index.html

	header /linked.html Link "</linked.css>; rel=preload; as=style, </nopush.js>; rel=preload; nopush, <https://cdn.example/x.js>; rel=preload"
	push /linked.html

	respond /echo "push={header.Caddy-Push} x={header.X-Pushed} ua={header.User-Agent} accept={header.Accept} lang={header.Accept-Language} host={host} scheme={scheme}"
	file_server
}
`;
  const { config } = adaptCaddyfile(caddyfile, 'Caddyfile');
  const http = (config as { apps: { http: { servers: Record<string, Record<string, unknown>> } } }).apps.http;
  // The TLS listener: the same routes with the certificate made above (JSON, as the Caddyfile would need a site name).
  const server = Object.values(http.servers)[0]!;
  http.servers['tls'] = { ...server, listen: [`127.0.0.1:${tlsPort}`], protocols: ['h1', 'h2'], tls_connection_policies: [{}] };
  server['listen'] = [`127.0.0.1:${port}`];
  (config as { logging?: unknown }).logging = { logs: { default: { level: 'DEBUG' } } };
  (config as { apps: Record<string, unknown> }).apps['tls'] = { certificates: { load_files: [{ certificate: join(dir, 'server.crt'), key: join(dir, 'server.key') }] } };
  (http as Record<string, unknown>)['http_port'] = await freePort();
  (http as Record<string, unknown>)['https_port'] = tlsPort;
  runtime = new Runtime({ log: logs.log, env: { ...process.env, XDG_DATA_HOME: join(dir, 'data') } });
  await runtime.load(config);
});

afterAll(async () => {
  await runtime?.stop();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

describe('over h2c, with a client that accepts pushes', () => {
  const h2c = (path: string, headers?: Record<string, string>) => get(`http://127.0.0.1:${port}`, path, { enablePush: true, headers });

  it('promises the configured resources before the response and serves them through the routes', async () => {
    const r = await h2c('/index.html');
    expect([r.status, r.body]).toEqual([200, file('index.html')]);
    expect(r.pushes.map((p) => [p.request[':method'], p.request[':path'], p.request[':scheme'], p.request[':authority']])).toEqual([
      ['GET', '/app.js', 'http', `127.0.0.1:${port}`],
      ['GET', '/echo', 'http', `127.0.0.1:${port}`],
      ['HEAD', '/head.txt', 'http', `127.0.0.1:${port}`],
      ['GET', '/style.css', 'http', `127.0.0.1:${port}`],
    ]);
    const byPath = new Map(r.pushes.map((p) => [p.request[':path'], p]));
    expect(byPath.get('/style.css')).toMatchObject({ status: 200, body: file('style.css') });
    expect(byPath.get('/style.css')!.headers['content-type']).toBe('text/css; charset=utf-8');
    expect(byPath.get('/app.js')).toMatchObject({ status: 200, body: file('app.js') });
    const head = byPath.get('/head.txt')!;
    expect([head.status, head.body, head.headers['content-length']]).toEqual([200, '', String(file('head.txt').length)]);
  });

  it("gives promised requests Caddy-Push, the safe fields of the request and the headers ops, and they do not push again", async () => {
    const r = await h2c('/index.html', { 'user-agent': 'push-test', accept: 'text/html', 'accept-language': 'fr', cookie: 'secret=1' });
    const echo = r.pushes.find((p) => p.request[':path'] === '/echo')!;
    expect(echo.body).toBe(`push=1 x=yes ua= accept=text/html lang=fr host=127.0.0.1 scheme=http`);
    // The promise itself carries the same fields (never the cookie).
    expect([echo.request['caddy-push'], echo.request['x-pushed'], echo.request['cookie'], echo.request['user-agent']]).toEqual(['1', 'yes', undefined, undefined]);
    // /style.css would push /index.html if a promised request could push.
    expect(r.pushes.filter((p) => p.request[':path'] === '/index.html')).toEqual([]);
  });

  it('pushes the Link resources of the response, except nopush and remote ones', async () => {
    const r = await h2c('/linked.html');
    expect([r.status, r.body]).toEqual([200, file('linked.html')]);
    expect(r.headers['link']).toContain('</linked.css>');
    expect(r.pushes.map((p) => [p.request[':path'], p.status, p.body])).toEqual([['/linked.css', 200, file('linked.css')]]);
  });

  it('logs each push at debug, as Caddy words it', async () => {
    logs.lines.length = 0;
    await h2c('/linked.html');
    await h2c('/index.html', { cookie: 'a=b' });
    const lines = logs.lines.filter((l) => l.logger === 'http.handlers.push');
    expect(lines[0]).toMatchObject({ level: 'debug', msg: 'pushing Link resources', fields: { linked: ['</linked.css>; rel=preload; as=style, </nopush.js>; rel=preload; nopush, <https://cdn.example/x.js>; rel=preload'] } });
    expect(lines[1]).toMatchObject({ level: 'debug', msg: 'pushing resource', fields: { uri: '/index.html', push_method: '', push_target: '/style.css', push_headers: { 'Caddy-Push': ['1'], 'X-Pushed': ['yes'] } } });
    expect(lines[2]).toMatchObject({ msg: 'pushing resource', fields: { push_method: 'GET', push_target: '/app.js' } });
    // The promised /style.css matched `push /style.css /index.html` and was let through (Caddy-Push): no push from it.
    expect(lines.filter((l) => l.fields['uri'] === '/style.css')).toEqual([]);
    expect(lines.map((l) => l.fields['uri'] ?? 'link')).toEqual(['link', '/index.html', '/index.html', '/index.html', '/index.html']);
  });
});

describe('without push', () => {
  it('serves the response alone to an HTTP/2 client that disabled push', async () => {
    const r = await get(`http://127.0.0.1:${port}`, '/index.html', { enablePush: false });
    expect([r.status, r.body, r.pushes]).toEqual([200, file('index.html'), []]);
  });

  it('passes HTTP/1.1 through untouched (curl), Link field included', async () => {
    const { stdout } = await run('curl', ['-sS', '-i', '--http1.1', '--max-time', '10', `http://127.0.0.1:${port}/linked.html`]);
    expect(stdout).toMatch(/^HTTP\/1\.1 200 OK\r\n/);
    expect(stdout).toContain('Link: </linked.css>; rel=preload; as=style');
    expect(stdout.endsWith(file('linked.html'))).toBe(true);
  });
});

describe('over HTTP/2 with TLS', () => {
  it('promises https resources on the same authority', async () => {
    const r = await get(`https://localhost:${tlsPort}`, '/index.html', { enablePush: true, ca: readFileSync(join(dir, 'server.crt')) });
    expect(r.status).toBe(200);
    expect(r.pushes.map((p) => [p.request[':path'], p.request[':scheme'], p.request[':authority'], p.status])).toEqual([
      ['/app.js', 'https', `localhost:${tlsPort}`, 200],
      ['/echo', 'https', `localhost:${tlsPort}`, 200],
      ['/head.txt', 'https', `localhost:${tlsPort}`, 200],
      ['/style.css', 'https', `localhost:${tlsPort}`, 200],
    ]);
    expect(r.pushes.find((p) => p.request[':path'] === '/echo')!.body).toContain('scheme=https');
  });
});

describe('loading', () => {
  const load = async (handler: Record<string, unknown>): Promise<string> => {
    const r = new Runtime({});
    try {
      await r.load({ apps: { http: { servers: { s: { listen: [`127.0.0.1:${await freePort()}`], routes: [{ handle: [{ handler: 'push', ...handler }] }] } } } } });
      return 'loaded';
    } catch (err) {
      return (err as Error).message;
    } finally {
      await r.stop();
    }
  };

  it("decodes Caddy's JSON and refuses what it does not hold", async () => {
    expect(await load({ resources: [{ method: 'HEAD', target: '/a' }], headers: { set: { 'X-A': ['1'] } } })).toBe('loaded');
    expect(await load({ resources: [{ path: '/a' }] })).toContain('resources[0]: json: unknown field "path"');
    expect(await load({ headers: { replace: { 'X-A': [{ search_regexp: '(' }] } } })).toContain('provision http.handlers.push: provisioning header operations: ');
  });
});

// Caddy's TestParseLinkHeader (modules/caddyhttp/push/link_test.go).
describe('parseLinkHeader', () => {
  it.each<[string, Array<[string, Record<string, string>]>]>([
    ['</resource>; as=script', [['/resource', { as: 'script' }]]],
    ['</resource>', [['/resource', {}]]],
    ['</resource>; nopush', [['/resource', { nopush: 'nopush' }]]],
    ['</resource>;nopush;rel=next', [['/resource', { nopush: 'nopush', rel: 'next' }]]],
    ['</resource>;nopush;rel=next,</resource2>;nopush', [['/resource', { nopush: 'nopush', rel: 'next' }], ['/resource2', { nopush: 'nopush' }]]],
    ['</resource>,</resource2>', [['/resource', {}], ['/resource2', {}]]],
    ['malformed', []],
    ['<malformed', []],
    [',', []],
    [';', []],
    ['</resource> ; ', [['/resource', {}]]],
  ])('%j', (header, want) => {
    expect(parseLinkHeader(header).map((r) => [r.uri, Object.fromEntries(r.params)])).toEqual(want);
  });
});
