// php_fastcgi end to end: the built executable (dist/tsweb) and the real
// Caddy serve one Caddyfile in front of the same php-fpm (a unix socket in a
// temp dir) and the same small PHP app, and answer the same requests alike:
// front-controller routing, PATH_INFO, status codes and headers PHP sets,
// redirects, forms, a fatal error, and static files beside the scripts.
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type PhpFpm, phpFpmBinary, startPhpFpm } from '../test/support/php_fpm.js';
import { writePhpAppInto } from '../test/modules/reverse_proxy/fastcgi/php_app.js';
import { type Answer, label, type Pair, type Req, startPair } from './serve-diff.js';

const hasPhp = phpFpmBinary() !== null;

/**
 * What PHP reports that depends on which server asked (its port, its name,
 * the client's port), and SERVER_ADDR, which newer Caddy sets and 2.6.2 does not.
 */
const perServer = ['SERVER_PORT', 'HTTP_HOST', 'REMOTE_PORT', 'SERVER_SOFTWARE', 'SERVER_ADDR'];

function comparable(a: Answer | 'dropped'): unknown {
  if (a === 'dropped') return a;
  const headers = { ...a.headers };
  delete headers['x-powered-by'];
  // Framing: whether a small answer gets a Content-Length depends on whether PHP's records arrive in one read (both servers).
  delete headers['content-length'];
  if (!headers['content-type']?.startsWith('application/json')) return { ...a, headers };
  const body = JSON.parse(a.body) as { server?: Record<string, string> };
  for (const k of perServer) delete body.server?.[k];
  return { ...a, headers, body };
}

describe.skipIf(!hasPhp)('php_fastcgi: tsweb and Caddy in front of one php-fpm', () => {
  let fpm: PhpFpm;
  let pair: Pair;

  beforeAll(async () => {
    fpm = await startPhpFpm();
    pair = await startPair(
      `{
	admin off
}
http://127.0.0.1:{{PORT:php}} {
	root * {{DIR}}/app
	php_fastcgi unix/${fpm.socket} {
		env APP_ENV e2e
	}
	file_server
}
`,
      (dir) => {
        mkdirSync(join(dir, 'app'));
        writePhpAppInto(join(dir, 'app'));
      },
    );
  }, 60_000);
  afterAll(async () => {
    await Promise.allSettled([pair?.stop(), fpm?.stop()]);
  }, 30_000);

  const form = 'name=Ada+Lovelace&langs%5B%5D=php';
  const cases: Req[] = [
    { path: '/info.php?a=1&b=two%20words', headers: { 'X-Custom': 'hello' } },
    { path: '/info.php/extra/path?x=1' },
    { path: '/blog/2024/hello?id=7' },
    { path: '/' },
    { path: '/sub' },
    { path: '/sub/' },
    { path: '/status.php?code=418' },
    { path: '/status.php?code=404' },
    { path: '/redirect.php' },
    { path: '/fatal.php' },
    { path: '/plain.txt' },
    { path: '/info.php', method: 'POST', headers: { 'Content-Type': 'application/x-www-form-urlencoded', 'Content-Length': String(form.length) }, body: form },
    { path: '/status.php?code=202', method: 'HEAD' },
  ];

  it.each(cases.map((c) => [label(c), c] as const))('%s', async (_l, c) => {
    const [caddy, tsweb] = await pair.both(c);
    expect(caddy).not.toBe('dropped');
    expect(comparable(tsweb)).toEqual(comparable(caddy));
  });

  it('a directory redirect keeps the query (newer Caddy; 2.6.2 drops it)', async () => {
    const r = await pair.ask('tsweb', { path: '/sub?q=1' });
    expect(r).not.toBe('dropped');
    expect((r as Answer).status).toBe(308);
    expect((r as Answer).headers.location).toBe('/sub/?q=1');
  });

  it('the executable passes the environment PHP expects', async () => {
    const r = await pair.ask('tsweb', { path: '/info.php/p?a=1', headers: { 'X-Custom': 'v' } });
    expect(r).not.toBe('dropped');
    const body = JSON.parse((r as Answer).body) as { server: Record<string, string> };
    expect(body.server.SCRIPT_FILENAME).toBe(join(pair.dir, 'app', 'info.php'));
    expect(body.server.PATH_INFO).toBe('/p');
    expect(body.server.APP_ENV).toBe('e2e');
    expect(body.server.HTTP_X_CUSTOM).toBe('v');
    expect(body.server.SERVER_PORT).toBe(String(pair.ports.tsweb.php));
    expect(body.server.SERVER_ADDR).toBe('127.0.0.1');
  });
});
