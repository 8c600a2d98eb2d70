// The built executable (dist/tsweb, the SEA, with its default workers) on
// one realistic Caddyfile using newer Caddy's url_pattern matcher (and its
// CEL form), intercept serving an application's X-Accel-Redirect from disk,
// and HTTP/2 push (h2c): the SEA's Node has URLPattern, and pushed requests
// run through the worker's routes.
import { execFile } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { connect, type IncomingHttpHeaders } from 'node:http2';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ensureBuilt, freePort, killChildren, startCli, until, type Proc } from './cli-harness.js';

const run = promisify(execFile);

async function curl(port: number, path: string, extra: string[] = []): Promise<{ status: number; head: string; body: string }> {
  const { stdout } = await run('curl', ['-sS', '-i', '--max-time', '10', ...extra, `http://127.0.0.1:${port}${path}`]);
  const split = stdout.indexOf('\r\n\r\n');
  const head = stdout.slice(0, split);
  return { status: Number(head.split(' ')[1]), head, body: stdout.slice(split + 4) };
}

describe('url_pattern, intercept and push through `tsweb run`', () => {
  let dir: string, proc: Proc, port: number, app: Server;
  const css = 'main { display: grid }\n';
  const report = 'quarterly numbers, served from disk\n'.repeat(2000);

  beforeAll(async () => {
    ensureBuilt();
    dir = mkdtempSync(join(tmpdir(), 'tsweb-e2e-intercept-'));
    const www = join(dir, 'www');
    mkdirSync(join(www, 'private'), { recursive: true });
    writeFileSync(join(www, 'index.html'), '<!doctype html><link rel=stylesheet href=/site.css>\n');
    writeFileSync(join(www, 'site.css'), css);
    writeFileSync(join(www, 'private', 'report.txt'), report);

    // The application: it decides who may download and hands the file back to the server.
    app = createServer((req, res) => {
      if (req.headers['authorization'] !== 'Bearer ok') {
        res.writeHead(403, { 'Content-Type': 'text/plain' }).end('no\n');
        return;
      }
      res.writeHead(200, { 'X-Accel-Redirect': '/private/report.txt', 'Content-Type': 'text/plain' }).end('the app would have sent this');
    });
    await new Promise<void>((resolve) => app.listen(0, '127.0.0.1', resolve));
    const appPort = (app.address() as AddressInfo).port;

    port = await freePort();
    writeFileSync(
      join(dir, 'Caddyfile'),
      `{
	admin off
	auto_https off
	servers {
		protocols h1 h2c
	}
}

:${port} {
	bind 127.0.0.1
	root * ${www}

	@book url_pattern /books/:id/chapters/:chapter
	respond @book "book {http.url_pattern.pathname.id}, chapter {http.url_pattern.pathname.chapter}"

	@api expression url_pattern('/api/:version/*')
	respond @api "api {http.url_pattern.pathname.version}"

	handle /download/* {
		intercept {
			@accel header X-Accel-Redirect *
			handle_response @accel {
				root * ${www}
				header -X-Accel-Redirect
				rewrite * {resp.header.X-Accel-Redirect}
				file_server
			}
		}
		reverse_proxy 127.0.0.1:${appPort}
	}

	push /index.html /site.css
	file_server
}
`,
    );
    proc = startCli(['run', '--config', join(dir, 'Caddyfile'), '--adapter', 'caddyfile'], dir);
    await until(async () => (await curl(port, '/site.css').catch(() => ({ status: 0 }))).status === 200, 'tsweb to listen', 20_000);
  }, 60_000);

  afterAll(async () => {
    killChildren();
    await new Promise<void>((resolve) => (app ? app.close(() => resolve()) : resolve()));
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('url_pattern matches and names its groups, in the matcher and in CEL', async () => {
    expect(await curl(port, '/books/7/chapters/3')).toMatchObject({ status: 200, body: 'book 7, chapter 3' });
    expect(await curl(port, '/api/v2/users/1')).toMatchObject({ status: 200, body: 'api v2' });
    // Not a chapter: on to file_server, which has no such file.
    expect((await curl(port, '/books/7')).status).toBe(404);
  });

  it("intercept serves the application's X-Accel-Redirect from disk, and passes its refusals through", async () => {
    const ok = await curl(port, '/download/report', ['-H', 'Authorization: Bearer ok']);
    expect(ok.status).toBe(200);
    expect(ok.head).not.toMatch(/X-Accel-Redirect/i);
    expect(ok.head).toContain(`Content-Length: ${report.length}`);
    expect(ok.body === report).toBe(true);
    expect(await curl(port, '/download/report')).toMatchObject({ status: 403, body: 'no\n' });
  });

  it('pushes the stylesheet with the page to an HTTP/2 client that accepts pushes', async () => {
    const session = connect(`http://127.0.0.1:${port}`, { settings: { enablePush: true } });
    try {
      const pushed = new Promise<{ path: string; status: number; body: string }>((resolve, reject) => {
        session.once('stream', (stream, request: IncomingHttpHeaders) => {
          let status = 0;
          let body = '';
          stream.on('push', (h) => (status = Number(h[':status'])));
          stream.on('data', (c: Buffer) => (body += c.toString()));
          stream.on('end', () => resolve({ path: String(request[':path']), status, body }));
          stream.on('error', reject);
        });
      });
      const page = await new Promise<string>((resolve, reject) => {
        const req = session.request({ ':path': '/index.html' });
        let body = '';
        req.on('data', (c: Buffer) => (body += c.toString()));
        req.on('end', () => resolve(body));
        req.on('error', reject);
      });
      expect(page).toContain('site.css');
      expect(await pushed).toEqual({ path: '/site.css', status: 200, body: css });
    } finally {
      session.close();
    }
    expect(proc.stderr()).not.toMatch(/"level":"error"/);
  });
});
