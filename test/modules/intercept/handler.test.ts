/**
 * intercept on a real server, from a Caddyfile, over HTTP/1.1 and h2c
 * (curl for both): Caddy's integration cases (caddytest/integration/
 * intercept_test.go), file_server and respond as the intercepted handlers,
 * an X-Accel-Redirect served from disk, reverse_proxy responses held or
 * streamed, the {resp.*} placeholders and the debug line.
 */
import { execFile } from 'node:child_process';
import { mkdtempSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, request, type Server } from 'node:http';
import { connect } from 'node:http2';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { adaptCaddyfile } from '../../../src/adapt/index.js';
import { Runtime } from '../../../src/runtime/runtime.js';
import { freePort, logCollector } from '../../support/net.js';

const run = promisify(execFile);

interface Reply {
  status: number;
  headers: Record<string, string>;
  body: string;
}

/** One request with curl; `proto` h1 = --http1.1, h2 = h2c with prior knowledge. */
async function curl(proto: 'h1' | 'h2', port: number, path: string, extra: string[] = []): Promise<Reply> {
  const flag = proto === 'h1' ? '--http1.1' : '--http2-prior-knowledge';
  const { stdout } = await run('curl', ['-sS', '-i', flag, '--max-time', '10', ...extra, `http://127.0.0.1:${port}${path}`], { encoding: 'latin1', maxBuffer: 16 << 20 });
  const split = stdout.indexOf('\r\n\r\n');
  const head = stdout.slice(0, split).split('\r\n');
  const headers: Record<string, string> = {};
  for (const line of head.slice(1)) {
    const i = line.indexOf(':');
    const name = line.slice(0, i).toLowerCase();
    headers[name] = headers[name] === undefined ? line.slice(i + 1).trim() : `${headers[name]}, ${line.slice(i + 1).trim()}`;
  }
  return { status: Number(head[0]!.split(' ')[1]), headers, body: stdout.slice(split + 4) };
}

let dir = '';
let port = 0;
let runtime: Runtime;
let backend: Server;
const logs = logCollector();
const big = 'tsweb intercept '.repeat(40_000); // 640 KB: file_server streams it in chunks
/** The streaming backend's response waits for this before it ends. */
let releaseStream: () => void = () => {};

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'tsweb-intercept-'));
  mkdirSync(join(dir, 'www'));
  writeFileSync(join(dir, 'www', 'big.txt'), big);
  writeFileSync(join(dir, 'www', 'small.txt'), 'small file\n');

  backend = createServer((req, res) => {
    if (req.url === '/broken') {
      res.writeHead(500, { 'Content-Type': 'text/plain', 'X-Upstream': 'yes' });
      res.end('upstream broke');
      return;
    }
    // The first chunk now, the rest once the test has seen it.
    res.writeHead(200, { 'Content-Type': 'text/plain' });
    res.write('first chunk\n');
    new Promise<void>((resolve) => (releaseStream = resolve)).then(() => res.end('last chunk\n'));
  });
  await new Promise<void>((resolve) => backend.listen(0, '127.0.0.1', resolve));
  const backendPort = (backend.address() as AddressInfo).port;

  port = await freePort();
  const www = join(dir, 'www');
  const caddyfile = `{
	admin off
	auto_https off
	servers {
		protocols h1 h2c
	}
}

:${port} {
	bind 127.0.0.1
	log_skip

	handle /tea/* {
		header /tea/intercept To-Intercept ok
		respond /tea/intercept "I'm a teapot" 408
		respond /tea/no-intercept "I'm not a teapot"

		intercept {
			@teapot status 408
			handle_response @teapot {
				header /tea/intercept intercepted {resp.header.To-Intercept}
				respond /tea/intercept "I'm a combined coffee/tea pot that is temporarily out of coffee" 503
			}
		}
	}

	handle /rs/* {
		respond /rs/error "boom" 500
		respond /rs/ok "all good" 200
		intercept {
			@err status 5xx
			replace_status @err 200
		}
	}

	handle /forbidden {
		respond "denied" 403
		intercept {
			replace_status 200
		}
	}

	handle /code/* {
		respond /code/missing "nope" 404
		respond "fine" 200
		intercept {
			@4xx status 4xx
			handle_response @4xx {
				respond "was {resp.status_code}" 200
			}
		}
	}

	handle_path /files/* {
		root * ${www}
		intercept {
			@ok status 200
			handle_response @ok {
				header X-Intercepted "{resp.status_code} {resp.header.Content-Type}"
			}
		}
		file_server
	}

	handle_path /replaced/* {
		root * ${www}
		intercept {
			replace_status 203
		}
		file_server
	}

	handle /accel/* {
		header X-Accel-Redirect /big.txt
		respond "the application's placeholder body"
		intercept {
			@accel header X-Accel-Redirect *
			handle_response @accel {
				root * ${www}
				header -X-Accel-Redirect
				rewrite * {resp.header.X-Accel-Redirect}
				file_server
			}
		}
	}

	handle /proxy/* {
		uri strip_prefix /proxy
		intercept {
			@err status 500
			replace_status @err 502
		}
		reverse_proxy 127.0.0.1:${backendPort}
	}
}
`;
  const { config } = adaptCaddyfile(caddyfile, 'Caddyfile');
  // The debug line is what this test reads from the logs.
  (config as { logging?: unknown }).logging = { logs: { default: { level: 'DEBUG' } } };
  runtime = new Runtime({ log: logs.log });
  await runtime.load(config);
});

afterAll(async () => {
  await runtime?.stop();
  backend?.closeAllConnections();
  await new Promise<void>((resolve) => (backend ? backend.close(() => resolve()) : resolve()));
  if (dir) rmSync(dir, { recursive: true, force: true });
});

describe.each(['h1', 'h2'] as const)('over %s', (proto) => {
  const get = (path: string, extra: string[] = []) => curl(proto, port, path, extra);

  it("Caddy's TestIntercept: a 408 is replaced by the routes' response, which reads {resp.header.*}", async () => {
    const r = await get('/tea/intercept');
    expect(r.status).toBe(503);
    expect(r.body).toBe("I'm a combined coffee/tea pot that is temporarily out of coffee");
    expect(r.headers['intercepted']).toBe('ok');
    const plain = await get('/tea/no-intercept');
    expect([plain.status, plain.body, plain.headers['intercepted']]).toEqual([200, "I'm not a teapot", undefined]);
  });

  it("Caddy's replace_status cases: with a matcher, without one, and not matched", async () => {
    expect(await get('/rs/error')).toMatchObject({ status: 200, body: 'boom' });
    expect(await get('/forbidden')).toMatchObject({ status: 200, body: 'denied' });
    expect(await get('/rs/ok')).toMatchObject({ status: 200, body: 'all good' });
  });

  it('gives the routes {resp.status_code}; a response no matcher takes is untouched', async () => {
    expect(await get('/code/missing')).toMatchObject({ status: 200, body: 'was 404' });
    expect(await get('/code/other')).toMatchObject({ status: 200, body: 'fine' });
  });

  it('keeps the intercepted body of file_server when the routes only set a header', async () => {
    const r = await get('/files/big.txt');
    expect(r.status).toBe(200);
    expect(r.headers['x-intercepted']).toBe('200 text/plain; charset=utf-8');
    expect(r.headers['content-length']).toBe(String(big.length));
    expect(r.body.length).toBe(big.length);
    expect(r.body === big).toBe(true);
    const head = await get('/files/small.txt', ['-I']);
    expect([head.status, head.headers['content-length'], head.headers['x-intercepted'], head.body]).toEqual([200, '11', '200 text/plain; charset=utf-8', '']);
  });

  it('replace_status over file_server sends the whole file with the new status; file_server errors are not responses', async () => {
    const r = await get('/replaced/big.txt');
    expect(r.status).toBe(203);
    expect(r.body === big).toBe(true);
    // A missing file is file_server's error (handle_errors' business), never seen by intercept: Caddy's 404.
    expect((await get('/replaced/nope.txt')).status).toBe(404);
  });

  it('serves an X-Accel-Redirect from disk in place of the application body', async () => {
    const r = await get('/accel/download');
    expect(r.status).toBe(200);
    expect(r.headers['x-accel-redirect']).toBeUndefined();
    expect(r.headers['content-length']).toBe(String(big.length));
    expect(r.body === big).toBe(true);
  });

  it('holds a matched reverse_proxy response (replace_status keeps its body and headers)', async () => {
    const r = await get('/proxy/broken');
    expect(r.status).toBe(502);
    expect(r.body).toBe('upstream broke');
    expect(r.headers['x-upstream']).toBe('yes');
  });
});

/** Resolves with the first body chunk of GET path, over h1 or h2c; the response stays open. */
function firstChunk(proto: 'h1' | 'h2', path: string): Promise<{ status: number; chunk: string; rest: Promise<string> }> {
  return new Promise((resolve, reject) => {
    if (proto === 'h1') {
      const req = request({ host: '127.0.0.1', port, path, agent: false }, (res) => {
        let rest = '';
        const done = new Promise<string>((ok) => res.on('end', () => ok(rest)));
        res.once('data', (c: Buffer) => {
          res.on('data', (d: Buffer) => (rest += d.toString()));
          resolve({ status: res.statusCode!, chunk: c.toString(), rest: done });
        });
      });
      req.on('error', reject);
      req.end();
      return;
    }
    const session = connect(`http://127.0.0.1:${port}`);
    session.on('error', reject);
    const req = session.request({ ':path': path });
    let status = 0;
    req.on('response', (h) => (status = Number(h[':status'])));
    let rest = '';
    const done = new Promise<string>((ok) =>
      req.on('end', () => {
        session.close();
        ok(rest);
      }),
    );
    req.once('data', (c: Buffer) => {
      req.on('data', (d: Buffer) => (rest += d.toString()));
      resolve({ status, chunk: c.toString(), rest: done });
    });
    req.on('error', reject);
  });
}

describe.each(['h1', 'h2'] as const)('streaming over %s', (proto) => {
  it('streams a response no matcher takes: the first chunk arrives before the upstream ends', async () => {
    const r = await firstChunk(proto, '/proxy/stream');
    expect([r.status, r.chunk]).toEqual([200, 'first chunk\n']);
    releaseStream();
    expect(await r.rest).toBe('last chunk\n');
  });
});

describe('logs and loading', () => {
  it('logs "handling response" at debug with the index of the handler that took the response', async () => {
    logs.lines.length = 0;
    await curl('h1', port, '/code/missing');
    expect(logs.lines.filter((l) => l.logger === 'http.handlers.intercept')).toEqual([{ level: 'debug', logger: 'http.handlers.intercept', msg: 'handling response', fields: { handler: 0 } }]);
  });

  it("refuses bad handle_response routes with Caddy's chain, and fields intercept does not have", async () => {
    const load = async (handler: Record<string, unknown>): Promise<string> => {
      const r = new Runtime({});
      try {
        await r.load({ apps: { http: { servers: { s: { listen: [`127.0.0.1:${await freePort()}`], routes: [{ handle: [{ handler: 'intercept', ...handler }] }] } } } } });
        return 'loaded';
      } catch (err) {
        return (err as Error).message;
      } finally {
        await r.stop();
      }
    };
    expect(await load({ handle_response: [{ routes: [{ handle: [{ handler: 'nope' }] }] }] })).toMatch(/provision http\.handlers\.intercept: provisioning response handler 0: .*loading module 'nope'/);
    expect(await load({ handle_response: [{ match: { status_code: ['5xx'] } }] })).toContain('handle_response[0].match');
    expect(await load({ routes: [] })).toContain('json: unknown field "routes"');
  });
});
