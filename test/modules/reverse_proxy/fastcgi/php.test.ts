// php_fastcgi through the real engine against a real php-fpm on a unix
// socket: the Caddyfile as a Caddy user writes it, adapted and served, then
// a small PHP app asked what it saw. GET with a query, POST form and JSON,
// a multipart upload of a few MB, headers both ways, status codes and
// redirects set by PHP, PATH_INFO via split_path, the index.php fallback and
// the directory redirect, a fatal error logged from stderr, php-fpm down,
// a read timeout, and a response PHP flushes in pieces arriving as it goes.
import { createHash, randomBytes } from 'node:crypto';
import { symlinkSync } from 'node:fs';
import { request } from 'node:http';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { adaptCaddyfile } from '../../../../src/adapt/index.js';
import { Runtime } from '../../../../src/runtime/runtime.js';
import { send } from '../../../support/client.js';
import { freePort, logCollector } from '../../../support/net.js';
import { type PhpFpm, phpFpmBinary, startPhpFpm } from '../../../support/php_fpm.js';
import { type PhpApp, writePhpApp } from './php_app.js';

const hasPhp = phpFpmBinary() !== null;

describe.skipIf(!hasPhp)('php_fastcgi against php-fpm', () => {
  let fpm: PhpFpm;
  let tcpFpm: PhpFpm;
  let app: PhpApp;
  let runtime: Runtime;
  let port: number;
  let downPort: number;
  let timeoutPort: number;
  let tcpPort: number;
  let linkPort: number;
  let writePort: number;
  let limitPort: number;
  let bufPort: number;
  let link: string;
  const logs = logCollector();

  beforeAll(async () => {
    const fpmPort = await freePort();
    [fpm, tcpFpm, port, downPort, timeoutPort, tcpPort, linkPort, writePort, limitPort, bufPort] = await Promise.all([
      startPhpFpm(),
      startPhpFpm({ tcpPort: fpmPort }),
      freePort(),
      freePort(),
      freePort(),
      freePort(),
      freePort(),
      freePort(),
      freePort(),
      freePort(),
    ]);
    app = writePhpApp();
    link = join(fpm.dir, 'current');
    symlinkSync(app.root, link);
    const caddyfile = `{
	admin off
}
http://127.0.0.1:${port} {
	root * ${app.root}
	php_fastcgi unix/${fpm.socket} {
		capture_stderr
		env APP_ENV testing
		env FROM_HEADER "{http.request.header.X-Custom}"
	}
	file_server
}
http://127.0.0.1:${downPort} {
	root * ${app.root}
	php_fastcgi unix/${join(fpm.dir, 'nobody-listens.sock')}
}
http://127.0.0.1:${timeoutPort} {
	root * ${app.root}
	php_fastcgi unix/${fpm.socket} {
		read_timeout 500ms
	}
}
http://127.0.0.1:${tcpPort} {
	root * ${app.root}
	php_fastcgi ${tcpFpm.tcp}
}
http://127.0.0.1:${linkPort} {
	root * ${link}
	php_fastcgi unix/${fpm.socket} {
		resolve_root_symlink
	}
}
http://unresolved:${linkPort} {
	root * ${link}
	php_fastcgi unix/${fpm.socket}
}
http://127.0.0.1:${limitPort} {
	root * ${app.root}
	request_body {
		max_size 16B
	}
	php_fastcgi unix/${fpm.socket}
}
http://127.0.0.1:${bufPort} {
	root * ${app.root}
	php_fastcgi unix/${fpm.socket} {
		request_buffers 1MB
	}
}
http://127.0.0.1:${writePort} {
	root * ${app.root}
	php_fastcgi unix/${fpm.socket} {
		write_timeout 300ms
	}
}
`;
    const { config } = adaptCaddyfile(caddyfile, 'Caddyfile');
    runtime = new Runtime({ log: logs.log });
    await runtime.load(config);
  }, 30_000);
  afterAll(async () => {
    // Each on its own: php-fpm is stopped even if the runtime is slow to.
    await Promise.allSettled([runtime?.stop(), fpm?.stop(), tcpFpm?.stop()]);
    app?.remove();
  }, 30_000);

  const json = async (path: string, opts: Parameters<typeof send>[2] = {}) => {
    const r = await send(port, path, opts);
    expect(r.status, r.text).toBe(200);
    return JSON.parse(r.text) as Record<string, Record<string, unknown>>;
  };

  it('GET with a query: the CGI environment Caddy builds', async () => {
    const r = await json('/info.php?a=1&b=two%20words', { headers: { 'X-Custom': 'hello', Proxy: 'http://evil' } });
    expect(r.get).toEqual({ a: '1', b: 'two words' });
    const s = r.server!;
    expect(s.SCRIPT_FILENAME).toBe(join(app.root, 'info.php'));
    expect(s.SCRIPT_NAME).toBe('/info.php');
    expect(s.DOCUMENT_ROOT).toBe(app.root);
    expect(s.REQUEST_URI).toBe('/info.php?a=1&b=two%20words');
    expect(s.QUERY_STRING).toBe('a=1&b=two%20words');
    expect(s.REQUEST_METHOD).toBe('GET');
    expect(s.REMOTE_ADDR).toBe('127.0.0.1');
    expect(Number(s.REMOTE_PORT)).toBeGreaterThan(0);
    expect(s.SERVER_NAME).toBe('127.0.0.1');
    expect(s.SERVER_PORT).toBe(String(port));
    expect(s.SERVER_PROTOCOL).toBe('HTTP/1.1');
    expect(s.GATEWAY_INTERFACE).toBe('CGI/1.1');
    expect(s.REQUEST_SCHEME).toBe('http');
    expect(s.HTTPS).toBeUndefined();
    expect(s.HTTP_HOST).toBe(`127.0.0.1:${port}`);
    expect(s.HTTP_X_CUSTOM).toBe('hello');
    expect(s.HTTP_X_FORWARDED_FOR).toBe('127.0.0.1');
    expect(s.HTTP_X_FORWARDED_PROTO).toBe('http');
    // httpoxy: a client's Proxy header never becomes HTTP_PROXY.
    expect(s.HTTP_PROXY).toBeUndefined();
    // The env option, placeholders replaced per request.
    expect(s.APP_ENV).toBe('testing');
    expect(s.FROM_HEADER).toBe('hello');
    expect(s.PATH_INFO ?? '').toBe('');
  });

  it('POST with a form body and with a JSON body', async () => {
    const form = 'name=Ada+Lovelace&langs%5B%5D=php&langs%5B%5D=ts';
    const r = await json('/info.php', { method: 'POST', headers: { 'Content-Type': 'application/x-www-form-urlencoded', 'Content-Length': String(form.length) }, body: form });
    expect(r.post).toEqual({ name: 'Ada Lovelace', langs: ['php', 'ts'] });
    expect(r.server!.CONTENT_LENGTH).toBe(String(form.length));
    expect(r.server!.REQUEST_METHOD).toBe('POST');
    const body = JSON.stringify({ numbers: [1, 2, 3, 4], note: 'ünïcode' });
    const j = await json('/json.php', { method: 'POST', headers: { 'Content-Type': 'application/json', 'Content-Length': String(Buffer.byteLength(body)) }, body });
    expect(j.got).toEqual({ numbers: [1, 2, 3, 4], note: 'ünïcode' });
    expect(j.sum).toBe(10);
    expect(j.type).toBe('application/json');
  });

  it('a chunked body of unknown length: read whole when small, 411 when larger than 4 KiB (Caddy) unless request_buffers allows it', async () => {
    const r = await json('/info.php', { method: 'PUT', headers: { 'Content-Type': 'text/plain' }, body: ['first,', 'second'], gapMs: 20 });
    expect(r.input).toBe('first,second');
    expect(r.server!.CONTENT_LENGTH).toBe('12');
    expect(r.server!.REQUEST_METHOD).toBe('PUT');
    const big = await send(port, '/info.php', { method: 'POST', body: ['x'.repeat(3000), 'y'.repeat(3000)], gapMs: 10 });
    expect(big.status).toBe(411);
    // request_buffers raises the bound.
    const parts = Array.from({ length: 10 }, (_, i) => String(i).repeat(10_000));
    const ok = await send(bufPort, '/info.php', { method: 'POST', headers: { 'Content-Type': 'text/plain' }, body: parts, gapMs: 5 });
    expect(ok.status).toBe(200);
    expect(JSON.parse(ok.text).input).toBe(parts.join(''));
    // A declared body longer than the buffers: the part read already goes first, the rest streams after it.
    const long = 'abcdefghij'.repeat(150_000);
    const l = await send(bufPort, '/info.php', { method: 'POST', headers: { 'Content-Type': 'text/plain', 'Content-Length': String(long.length) }, body: [long.slice(0, 700_000), long.slice(700_000)], gapMs: 20 });
    expect(JSON.parse(l.text).input).toBe(long);
  });

  it('a multipart upload of a few MB arrives whole: size and sha256 as PHP saw them', async () => {
    const file = randomBytes(5 * 1024 * 1024 + 123);
    const boundary = '----tsweb' + randomBytes(8).toString('hex');
    const body = Buffer.concat([
      Buffer.from(`--${boundary}\r\nContent-Disposition: form-data; name="title"\r\n\r\nholiday\r\n`),
      Buffer.from(`--${boundary}\r\nContent-Disposition: form-data; name="photo"; filename="photo.bin"\r\nContent-Type: application/octet-stream\r\n\r\n`),
      file,
      Buffer.from(`\r\n--${boundary}--\r\n`),
    ]);
    // Sent in 64 KiB pieces: the body streams through the proxy rather than arriving in one write.
    const parts: Buffer[] = [];
    for (let i = 0; i < body.length; i += 65536) parts.push(body.subarray(i, i + 65536));
    const r = await json('/upload.php', { method: 'POST', headers: { 'Content-Type': `multipart/form-data; boundary=${boundary}`, 'Content-Length': String(body.length) }, body: parts });
    expect(r.post).toEqual({ title: 'holiday' });
    const photo = (r.files as Record<string, Record<string, unknown>>).photo!;
    expect(photo.error).toBe(0);
    expect(photo.name).toBe('photo.bin');
    expect(photo.size).toBe(file.length);
    expect(photo.sha256).toBe(createHash('sha256').update(file).digest('hex'));
  });

  it('a large response streams back intact', async () => {
    const r = await send(port, '/big.php');
    expect(r.status).toBe(200);
    expect(r.headers['content-type']).toBe('application/octet-stream');
    expect(r.body.length).toBe(256 * 65536);
    const block = Buffer.from('0123456789abcdef'.repeat(4096));
    expect(r.body.subarray(0, block.length).equals(block)).toBe(true);
    expect(r.body.subarray(r.body.length - block.length).equals(block)).toBe(true);
  });

  it('status codes and headers set by PHP reach the client', async () => {
    const r = await send(port, '/status.php?code=418');
    expect(r.status).toBe(418);
    expect(r.text).toBe('status 418');
    expect(r.headers['x-from-php']).toBe('yes');
    expect(r.headers['set-cookie']).toEqual(['a=1', 'b=2']);
    // PHP names its own Content-type; the client sees Go's canonical form.
    expect(r.rawHeaders).toContain('Content-Type');
    const nf = await send(port, '/status.php?code=404');
    expect(nf.status).toBe(404);
  });

  it("header('Location: ...') is a 302 redirect passed on as is", async () => {
    const r = await send(port, '/redirect.php');
    expect(r.status).toBe(302);
    expect(r.headers.location).toBe('/somewhere?x=1');
  });

  it('PATH_INFO from split_path, and the script found before it', async () => {
    const r = await json('/info.php/extra/path?x=1');
    expect(r.server!.SCRIPT_NAME).toBe('/info.php');
    expect(r.server!.SCRIPT_FILENAME).toBe(join(app.root, 'info.php'));
    expect(r.server!.PATH_INFO).toBe('/extra/path');
    expect(r.server!.PATH_TRANSLATED).toBe(join(app.root, 'extra/path'));
    expect(r.server!.DOCUMENT_URI).toBe('/info.php');
    expect(r.server!.REQUEST_URI).toBe('/info.php/extra/path?x=1');
    expect(r.get).toEqual({ x: '1' });
  });

  it('routes that are not files fall back to index.php (try_files), with the original URI and query', async () => {
    const r = await json('/blog/2024/hello?id=7');
    expect(r.front).toBe(true);
    expect(r.script).toBe('/index.php');
    expect(r.uri).toBe('/blog/2024/hello?id=7');
    expect(r.get).toEqual({ id: '7' });
    const home = await json('/');
    expect(home.front).toBe(true);
  });

  it('a directory with an index.php is redirected to its slash form, then served', async () => {
    const r = await send(port, '/sub?q=1');
    expect(r.status).toBe(308);
    expect(r.headers.location).toBe('/sub/?q=1');
    const s = await send(port, '/sub/');
    expect(s.status).toBe(200);
    expect(s.text).toBe('sub index');
  });

  it('files that are not PHP go to file_server', async () => {
    const r = await send(port, '/plain.txt');
    expect(r.status).toBe(200);
    expect(r.text).toBe('just text\n');
  });

  it('a PHP fatal error is a 500, and with capture_stderr its message is logged at error level', async () => {
    const r = await send(port, '/fatal.php');
    expect(r.status).toBe(500);
    const line = logs.lines.find((l) => l.logger === 'http.reverse_proxy.transport.fastcgi' && l.msg === 'stderr');
    expect(line?.level).toBe('error');
    expect(String(line?.fields.body)).toContain('Call to undefined function echo_this_function_does_not_exist()');
    expect((line?.fields.request as Record<string, unknown>).uri).toBe('/fatal.php');
  });

  it('stderr of a successful response is logged as a warning', async () => {
    const r = await send(port, '/warn.php');
    expect(r.text).toBe('fine');
    const line = logs.lines.find((l) => l.msg === 'stderr' && String(l.fields.body).includes('just a note from PHP'));
    expect(line?.level).toBe('warn');
  });

  it('HEAD and OPTIONS carry no body to PHP', async () => {
    const h = await send(port, '/status.php?code=202', { method: 'HEAD' });
    expect(h.status).toBe(202);
    expect(h.body.length).toBe(0);
    const o = await json('/info.php', { method: 'OPTIONS' });
    expect(o.server!.REQUEST_METHOD).toBe('OPTIONS');
    expect(o.server!.CONTENT_LENGTH).toBe('0');
  });

  it('a response PHP flushes in pieces arrives piece by piece', async () => {
    const arrivals: Array<{ at: number; text: string }> = [];
    const start = Date.now();
    await new Promise<void>((resolve, reject) => {
      const req = request({ host: '127.0.0.1', port, path: '/stream.php', agent: false }, (res) => {
        res.on('data', (c: Buffer) => arrivals.push({ at: Date.now() - start, text: c.toString() }));
        res.on('end', () => resolve());
        res.on('error', reject);
      });
      req.on('error', reject);
      req.end();
    });
    expect(arrivals.map((a) => a.text).join('')).toBe('chunk 0\nchunk 1\nchunk 2\nchunk 3\n');
    expect(arrivals.length).toBeGreaterThanOrEqual(3);
    // PHP sleeps 0.4 s after each chunk: the first arrives long before the last.
    expect(arrivals[arrivals.length - 1]!.at - arrivals[0]!.at).toBeGreaterThan(700);
    expect(arrivals[0]!.text).toContain('chunk 0');
  });

  it('php-fpm over TCP works the same', async () => {
    const r = await send(tcpPort, '/info.php/x?y=1');
    expect(r.status).toBe(200);
    const j = JSON.parse(r.text) as { server: Record<string, string> };
    expect(j.server.PATH_INFO).toBe('/x');
    expect(j.server.SERVER_PORT).toBe(String(tcpPort));
  });

  it('resolve_root_symlink: PHP sees the real directory, not the link', async () => {
    const r = await send(linkPort, '/info.php');
    expect(r.status).toBe(200);
    const j = JSON.parse(r.text) as { server: Record<string, string> };
    expect(j.server.DOCUMENT_ROOT).toBe(app.root);
    expect(j.server.SCRIPT_FILENAME).toBe(join(app.root, 'info.php'));
    // Without the option the link stays in the paths.
    const plain = JSON.parse((await send(linkPort, '/info.php', { headers: { Host: 'unresolved' } })).text) as { server: Record<string, string> };
    expect(plain.server.DOCUMENT_ROOT).toBe(link);
  });

  it('a client that leaves mid-stream stops the exchange; the next request is served', async () => {
    await new Promise<void>((resolve, reject) => {
      const req = request({ host: '127.0.0.1', port, path: '/stream.php', agent: false }, (res) => {
        res.once('data', () => {
          req.destroy();
          resolve();
        });
      });
      req.on('error', (e) => (req.destroyed ? resolve() : reject(e)));
      req.end();
    });
    const r = await send(port, '/status.php?code=200');
    expect(r.status).toBe(200);
  });

  it('write_timeout bounds sending the request body: a client too slow to send it gets 504', async () => {
    const body = ['a=1&', 'b=2&', 'c=3'];
    const r = await send(writePort, '/info.php', { method: 'POST', headers: { 'Content-Type': 'application/x-www-form-urlencoded', 'Content-Length': '11' }, body, gapMs: 400 });
    expect(r.status).toBe(504);
    const quick = await send(writePort, '/info.php', { method: 'POST', headers: { 'Content-Type': 'application/x-www-form-urlencoded', 'Content-Length': '11' }, body });
    expect(JSON.parse(quick.text).post).toEqual({ a: '1', b: '2', c: '3' });
  });

  it('request_body max_size in front: 413 for a body over it, declared or chunked; one under it passes', async () => {
    const declared = await send(limitPort, '/info.php', { method: 'POST', headers: { 'Content-Length': '100' }, body: 'x'.repeat(100) });
    expect(declared.status).toBe(413);
    const chunked = await send(limitPort, '/info.php', { method: 'POST', body: ['x'.repeat(10), 'y'.repeat(90)], gapMs: 10 });
    expect(chunked.status).toBe(413);
    const small = await send(limitPort, '/info.php', { method: 'POST', headers: { 'Content-Type': 'text/plain' }, body: ['tiny', 'body'], gapMs: 10 });
    expect(JSON.parse(small.text).input).toBe('tinybody');
  });

  it('php-fpm not listening: 502 and an error log line naming the socket', async () => {
    const r = await send(downPort, '/info.php');
    expect(r.status).toBe(502);
    const line = logs.lines.find((l) => l.level === 'error' && l.logger.startsWith('http.log.error') && String(l.msg).includes('nobody-listens.sock'));
    expect(line?.msg).toMatch(/^dialing backend: dial unix .*nobody-listens\.sock: connect: no such file or directory$/);
    expect(line?.fields.status).toBe(502);
  });

  it('read_timeout bounds the whole response: 504', async () => {
    const t0 = Date.now();
    const r = await send(timeoutPort, '/slow.php');
    expect(r.status).toBe(504);
    expect(Date.now() - t0).toBeLessThan(2900);
  });
});
