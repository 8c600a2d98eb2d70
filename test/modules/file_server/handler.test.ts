// file_server over real sockets: a temporary site with an outside secret
// next to it, raw request lines for traversal attempts (so no client
// normalizes them first), curl for ranges, conditionals and compression,
// fetch for browse. Expected answers are Caddy 2.6.2's for the same
// requests, except where the test says tsweb is deliberately stricter.
import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { brotliCompressSync, gzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freePort, rawExchange, serve, statusOf } from '../../support/net.js';

const run = promisify(execFile);
const SECRET = 'TOP-SECRET-OUTSIDE-THE-ROOT';
const CSS = `body { color: #333; }\n${'.x { margin: 0 }\n'.repeat(200)}`;
const BIG = randomBytes(300 * 1024); // larger than one read: exercises the streamed path

// Made at collection time: the traversal table below names the absolute outside path.
const dir = mkdtempSync(join(tmpdir(), 'tsweb-fs-'));
const root = join(dir, 'site');
let port: number;
let stop: (() => Promise<void>) | undefined;
const url = (p: string) => `http://127.0.0.1:${port}${p}`;

/** curl with headers and body separated; -s so only what the server said is seen. */
async function curl(args: string[]): Promise<{ status: number; headers: Record<string, string>; body: Buffer }> {
  const out = join(dir, `curl-${randomBytes(4).toString('hex')}`);
  const { stdout } = await run('curl', ['-s', '-S', '-D', '-', '-o', out, '--max-time', '10', ...args], { encoding: 'latin1' });
  const blocks = stdout.split('\r\n\r\n').filter((b) => b.startsWith('HTTP/'));
  const head = blocks[blocks.length - 1]!.split('\r\n');
  const headers: Record<string, string> = {};
  for (const line of head.slice(1)) {
    const i = line.indexOf(':');
    if (i > 0) headers[line.slice(0, i).toLowerCase()] = line.slice(i + 1).trim();
  }
  // curl creates no output file for an empty body (a 304, a HEAD).
  const body = existsSync(out) ? readFileSync(out) : Buffer.alloc(0);
  return { status: Number(head[0]!.split(' ')[1]), headers, body };
}

beforeAll(async () => {
  const outside = join(dir, 'outside');
  mkdirSync(outside);
  writeFileSync(join(outside, 'passwd'), SECRET);
  writeFileSync(join(dir, 'site-secret.txt'), SECRET); // a sibling whose name starts like the root
  mkdirSync(join(root, 'sub'), { recursive: true });
  mkdirSync(join(root, 'empty'));
  mkdirSync(join(root, 'list', 'folder'), { recursive: true });
  writeFileSync(join(root, 'index.html'), '<h1>home</h1>\n');
  writeFileSync(join(root, 'hello.txt'), 'hello world, this is a text file\n');
  writeFileSync(join(root, 'big.bin'), BIG);
  writeFileSync(join(root, 'style.css'), CSS);
  writeFileSync(join(root, 'style.css.gz'), gzipSync(CSS));
  writeFileSync(join(root, 'style.css.br'), brotliCompressSync(CSS));
  writeFileSync(join(root, 'sub', 'index.txt'), 'sub index\n');
  mkdirSync(join(root, 'gone'));
  writeFileSync(join(root, 'gone', 'page.txt'), 'this page is gone\n');
  writeFileSync(join(root, 'Caddyfile'), ':80 {\n\tfile_server\n}\n');
  writeFileSync(join(root, '.secret'), 'hidden by name');
  writeFileSync(join(root, 'list', 'b.txt'), 'bbbb');
  writeFileSync(join(root, 'list', 'A.md'), 'a');
  writeFileSync(join(root, 'list', 'c<&>.txt'), 'cccccccc');
  writeFileSync(join(root, 'list', '.secret'), 'hidden by name, at any depth');
  for (const r of ['release-1', 'release-2']) {
    mkdirSync(join(dir, r));
    writeFileSync(join(dir, r, 'release.txt'), r);
  }
  symlinkSync('release-1', join(dir, 'current'));
  symlinkSync(join(outside, 'passwd'), join(root, 'escape'));
  symlinkSync(outside, join(root, 'escape-dir'));
  symlinkSync('hello.txt', join(root, 'alias.txt'));
  symlinkSync('../hello.txt', join(root, 'list', 'link'));
  // Fixed times so ETag and Last-Modified are known exactly.
  const t = new Date('2024-05-06T07:08:09Z');
  for (const f of ['hello.txt', 'style.css', 'style.css.gz', 'list/b.txt', 'list/A.md', 'list/c<&>.txt']) utimesSync(join(root, f), t, t);
  utimesSync(join(root, 'list', 'A.md'), new Date('2020-01-01T00:00:00Z'), new Date('2020-01-01T00:00:00Z'));

  port = await freePort();
  const fileServer = {
    handler: 'file_server',
    hide: ['.secret', join(root, 'Caddyfile')],
    browse: {},
    precompressed: { gzip: {}, br: {} },
    precompressed_order: ['br', 'gzip'],
  };
  ({ stop } = await serve({
    servers: {
      srv0: {
        listen: [`127.0.0.1:${port}`],
        routes: [
          { handle: [{ handler: 'vars', root }] },
          {
            match: [{ path: ['/passthru/*'] }],
            handle: [
              { handler: 'file_server', pass_thru: true },
              { handler: 'static_response', body: 'fell through', status_code: 299 },
            ],
          },
          { match: [{ path: ['/gone/*'] }], handle: [{ handler: 'file_server', status_code: 410 }] },
          { match: [{ path: ['/release.txt'] }], handle: [{ handler: 'file_server', root: join(dir, 'current') }] },
          { match: [{ path: ['/nobrowse/*'] }], handle: [{ handler: 'file_server', root: join(root, 'list'), canonical_uris: false }] },
          { handle: [fileServer] },
        ],
      },
    },
  }));
});

afterAll(async () => {
  await stop?.();
  rmSync(dir, { recursive: true, force: true });
});

describe('traversal: never a byte from outside the root', () => {
  // Raw request lines, as an attacker sends them; expected statuses are Caddy 2.6.2's
  // (with the symlink rows where tsweb deliberately refuses what Caddy follows).
  const attempts: Array<[target: string, status: number]> = [
    ['/../outside/passwd', 404],
    ['/../../../../../../etc/passwd', 404],
    ['/%2e%2e/outside/passwd', 404],
    ['/%2E%2E/outside/passwd', 404],
    ['/..%2foutside/passwd', 404],
    ['/%2e%2e%2foutside%2fpasswd', 404],
    ['/sub/..%2f..%2foutside/passwd', 404],
    ['/sub/%2e%2e/%2e%2e/outside/passwd', 404],
    ['/..\\..\\outside\\passwd', 404],
    ['/%5c..%5coutside%5cpasswd', 404],
    ['/%252e%252e/outside/passwd', 404],
    ['//etc/passwd', 404],
    [`/${dir.slice(1)}/outside/passwd`, 404],
    ['/../site-secret.txt', 404],
    ['/hello.txt%00', 400], // Caddy 2.6.2 says 500 here; current Caddy 400
    ['/hello.txt%00.html', 400],
    ['/%00/../outside/passwd', 400],
    ['/escape', 404], // symlink to a file outside the root: Caddy serves it, tsweb refuses
    ['/escape-dir/passwd', 404], // through a symlinked directory that leaves the root
    ['/escape-dir/', 404],
  ];
  it.each(attempts)('GET %s → %i without the secret', async (target, status) => {
    const r = await rawExchange(port, `GET ${target} HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n`);
    expect(statusOf(r.text)).toBe(status);
    expect(r.text).not.toContain(SECRET);
  });

  it('a request target without a leading slash is refused before any file is looked at', async () => {
    const r = await rawExchange(port, 'GET \\..\\outside\\passwd HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n');
    expect(statusOf(r.text)).toBe(400);
    expect(r.text).not.toContain(SECRET);
  });

  it('a symlink that stays inside the root is served', async () => {
    const r = await curl([url('/alias.txt')]);
    expect(r.status).toBe(200);
    expect(r.body.toString()).toBe('hello world, this is a text file\n');
  });

  it('a root that is a symlink keeps working when a deploy swaps it', async () => {
    expect((await curl([url('/release.txt')])).body.toString()).toBe('release-1');
    const { renameSync } = await import('node:fs');
    symlinkSync('release-2', join(dir, 'current.new'));
    renameSync(join(dir, 'current.new'), join(dir, 'current')); // atomic, as deploy tools do it
    const r = await curl([url('/release.txt')]);
    expect(r.status).toBe(200);
    expect(r.body.toString()).toBe('release-2');
  });

  it('cleaned paths that stay inside the root are served, as Caddy does', async () => {
    for (const target of ['/sub/../hello.txt', '/./hello.txt', '/hello%2etxt', '/%2fhello.txt']) {
      const r = await rawExchange(port, `GET ${target} HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n`);
      expect(statusOf(r.text), target).toBe(200);
      expect(r.text).toContain('hello world');
    }
  });
});

describe('hide', () => {
  it('the Caddyfile is never served, nor names hidden at any depth', async () => {
    for (const p of ['/Caddyfile', '/.secret', '/list/.secret', '/caddyfile/../Caddyfile']) {
      const r = await curl([url(p)]);
      expect(r.status, p).toBe(404);
      expect(r.body.length).toBe(0);
    }
  });

  it('hidden files are left out of listings', async () => {
    const res = await fetch(url('/list/'), { headers: { Accept: 'application/json' } });
    const names = ((await res.json()) as Array<{ name: string }>).map((e) => e.name);
    expect(names).not.toContain('.secret');
    const html = await (await fetch(url('/'))).text(); // the root has an index: no listing, no Caddyfile
    expect(html).toBe('<h1>home</h1>\n');
  });
});

describe('files, index files and canonical URIs', () => {
  it('serves a file with Caddy 2.6 validators and a MIME type by extension', async () => {
    const r = await curl([url('/hello.txt')]);
    expect(r.status).toBe(200);
    expect(r.headers['content-type']).toBe('text/plain; charset=utf-8');
    expect(r.headers['content-length']).toBe('33');
    expect(r.headers['last-modified']).toBe('Mon, 06 May 2024 07:08:09 GMT');
    // "<mtime seconds base36><size base36>"
    const etag = `"${(Date.parse('2024-05-06T07:08:09Z') / 1000).toString(36)}${(33).toString(36)}"`;
    expect(r.headers.etag).toBe(etag);
    expect(r.headers['accept-ranges']).toBe('bytes');
  });

  it('a file with no known extension gets no Content-Type (no sniffing)', async () => {
    const r = await curl([url('/list/link')]);
    expect(r.status).toBe(200);
    expect(r.headers['content-type']).toBeUndefined();
  });

  it('a directory is served by its index file; without a slash it redirects with 308', async () => {
    const r = await curl([url('/sub/')]);
    expect(r.status).toBe(200);
    expect(r.body.toString()).toBe('sub index\n');
    const redir = await curl([url('/sub?x=1')]);
    expect(redir.status).toBe(308);
    expect(redir.headers.location).toBe('/sub/?x=1');
  });

  it('a redirect never becomes protocol-relative', async () => {
    const r = await rawExchange(port, 'GET //sub HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n');
    expect(statusOf(r.text)).toBe(308);
    expect(r.text).toMatch(/\r\nLocation: \/sub\/\r\n/);
  });

  it('a file with a trailing slash is not found (as in Caddy 2.6)', async () => {
    expect((await curl([url('/hello.txt/')])).status).toBe(404);
  });

  it('a directory without index or browse is 404; canonical_uris off does not redirect', async () => {
    expect((await curl([url('/nobrowse/folder/')])).status).toBe(404);
    expect((await curl([url('/nobrowse/folder')])).status).toBe(404);
  });

  it('missing files are 404; pass_thru hands them to the next handler instead', async () => {
    expect((await curl([url('/nope.txt')])).status).toBe(404);
    const r = await curl([url('/passthru/nope.txt')]);
    expect(r.status).toBe(299);
    expect(r.body.toString()).toBe('fell through');
  });

  it('status_code overrides the status of a served file', async () => {
    const r = await curl([url('/gone/page.txt')]);
    expect(r.status).toBe(410);
    expect(r.body.toString()).toBe('this page is gone\n');
  });

  it('HEAD has the headers and no body; other methods get 405 with Allow', async () => {
    const head = await rawExchange(port, 'HEAD /hello.txt HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n');
    expect(statusOf(head.text)).toBe(200);
    expect(head.text).toContain('\r\nContent-Length: 33\r\n');
    expect(head.text.endsWith('\r\n\r\n')).toBe(true);
    const post = await curl(['-X', 'POST', '-d', 'x', url('/hello.txt')]);
    expect(post.status).toBe(405);
    expect(post.headers.allow).toBe('GET, HEAD');
  });

  it('streams a large file intact', async () => {
    const r = await curl([url('/big.bin')]);
    expect(r.status).toBe(200);
    expect(r.headers['content-type']).toBe('application/octet-stream');
    expect(r.body.equals(BIG)).toBe(true);
  });
});

describe('conditional requests', () => {
  it('If-None-Match with the ETag (strong or weak) → 304 with the ETag and no body', async () => {
    const { headers } = await curl([url('/hello.txt')]);
    for (const tag of [headers.etag!, `W/${headers.etag}`, `"nope", ${headers.etag}`, '*']) {
      const r = await curl(['-H', `If-None-Match: ${tag}`, url('/hello.txt')]);
      expect(r.status, tag).toBe(304);
      expect(r.headers.etag).toBe(headers.etag);
      expect(r.headers['content-type']).toBeUndefined();
      expect(r.body.length).toBe(0);
    }
    expect((await curl(['-H', 'If-None-Match: "other"', url('/hello.txt')])).status).toBe(200);
  });

  it('If-Modified-Since at or after the mtime → 304; before → 200', async () => {
    expect((await curl(['-H', 'If-Modified-Since: Mon, 06 May 2024 07:08:09 GMT', url('/hello.txt')])).status).toBe(304);
    expect((await curl(['-H', 'If-Modified-Since: Mon, 06 May 2024 07:08:08 GMT', url('/hello.txt')])).status).toBe(200);
    // curl's own -z sends If-Modified-Since
    expect((await curl(['-z', 'Tue, 07 May 2024 00:00:00 GMT', url('/hello.txt')])).status).toBe(304);
  });

  it('If-Match that does not match, or If-Unmodified-Since before the mtime → 412', async () => {
    expect((await curl(['-H', 'If-Match: "zzz"', url('/hello.txt')])).status).toBe(412);
    expect((await curl(['-H', 'If-Unmodified-Since: Mon, 01 Jan 2001 00:00:00 GMT', url('/hello.txt')])).status).toBe(412);
    const { headers } = await curl([url('/hello.txt')]);
    expect((await curl(['-H', `If-Match: ${headers.etag}`, url('/hello.txt')])).status).toBe(200);
  });
});

describe('ranges', () => {
  it('a single range → 206 with Content-Range', async () => {
    const r = await curl(['-r', '0-4', url('/hello.txt')]);
    expect(r.status).toBe(206);
    expect(r.headers['content-range']).toBe('bytes 0-4/33');
    expect(r.body.toString()).toBe('hello');
    const suffix = await curl(['-r', '-5', url('/hello.txt')]);
    expect(suffix.headers['content-range']).toBe('bytes 28-32/33');
    expect(suffix.body.toString()).toBe('file\n');
  });

  it('a range deep in a large file is streamed exactly', async () => {
    const r = await curl(['-r', '100000-250000', url('/big.bin')]);
    expect(r.status).toBe(206);
    expect(r.headers['content-range']).toBe(`bytes 100000-250000/${BIG.length}`);
    expect(r.body.equals(BIG.subarray(100000, 250001))).toBe(true);
  });

  it('several ranges → multipart/byteranges with each part framed', async () => {
    const r = await curl(['-r', '0-1,6-10', url('/hello.txt')]);
    expect(r.status).toBe(206);
    const m = /^multipart\/byteranges; boundary=([0-9a-f]{60})$/.exec(r.headers['content-type']!);
    expect(m).not.toBeNull();
    const b = m![1];
    expect(r.body.toString()).toBe(
      `--${b}\r\nContent-Range: bytes 0-1/33\r\nContent-Type: text/plain; charset=utf-8\r\n\r\nhe` +
        `\r\n--${b}\r\nContent-Range: bytes 6-10/33\r\nContent-Type: text/plain; charset=utf-8\r\n\r\nworld` +
        `\r\n--${b}--\r\n`,
    );
    expect(Number(r.headers['content-length'])).toBe(r.body.length);
  });

  it('a range past the end → 416 with Content-Range bytes */size; bad syntax → 416', async () => {
    const r = await curl(['-r', '100-200', url('/hello.txt')]);
    expect(r.status).toBe(416);
    expect(r.headers['content-range']).toBe('bytes */33');
    expect(r.body.toString()).toBe('invalid range: failed to overlap\n');
    const bad = await curl(['-H', 'Range: bytes=abc', url('/hello.txt')]);
    expect(bad.status).toBe(416);
    expect(bad.body.toString()).toBe('invalid range\n');
  });

  it('If-Range with a stale validator sends the whole file', async () => {
    const r = await curl(['-r', '0-4', '-H', 'If-Range: "stale"', url('/hello.txt')]);
    expect(r.status).toBe(200);
    expect(r.body.length).toBe(33);
  });
});

describe('precompressed sidecars', () => {
  it('serves the sidecar the client prefers, with Content-Encoding and Vary', async () => {
    const br = await curl(['-H', 'Accept-Encoding: gzip, br', url('/style.css')]);
    expect(br.headers['content-encoding']).toBe('br'); // equal q: the configured order (br first) decides
    expect(br.headers.vary).toBe('Accept-Encoding');
    expect(br.headers['content-type']).toBe('text/css; charset=utf-8');
    const gz = await curl(['-H', 'Accept-Encoding: br;q=0.5, gzip', url('/style.css')]);
    expect(gz.headers['content-encoding']).toBe('gzip');
    expect(Number(gz.headers['content-length'])).toBe(gzipSync(CSS).length);
    expect(gz.headers.etag).not.toBe(br.headers.etag); // each variant has its own validator
  });

  it('curl --compressed gets the original bytes back', async () => {
    const r = await curl(['--compressed', url('/style.css')]);
    expect(r.headers['content-encoding']).toMatch(/^(br|gzip)$/);
    expect(r.body.toString()).toBe(CSS);
  });

  it('identity, q=0, or no Accept-Encoding → the plain file, still with Vary', async () => {
    for (const ae of ['identity', 'gzip;q=0, br;q=0', '']) {
      const r = await curl(['-H', `Accept-Encoding: ${ae}`, url('/style.css')]);
      expect(r.headers['content-encoding'], ae).toBeUndefined();
      expect(r.headers.vary).toBe('Accept-Encoding');
      expect(r.body.toString()).toBe(CSS);
    }
  });

  it('a file without sidecars is served plainly to a client that accepts compression', async () => {
    const r = await curl(['-H', 'Accept-Encoding: gzip, br', url('/hello.txt')]);
    expect(r.headers['content-encoding']).toBeUndefined();
    expect(r.body.toString()).toBe('hello world, this is a text file\n');
  });
});

describe('browse', () => {
  interface Item { name: string; size: number; url: string; mod_time: string; mode: number; is_dir: boolean; is_symlink: boolean }
  const list = async (query = '', headers: Record<string, string> = {}): Promise<Item[]> => {
    const res = await fetch(url(`/list/${query}`), { headers: { Accept: 'application/json', ...headers } });
    expect(res.headers.get('content-type')).toBe('application/json; charset=utf-8');
    return (await res.json()) as Item[];
  };

  it('JSON listing with Caddy\'s field names; directories first by default', async () => {
    const items = await list();
    expect(items.map((i) => i.name)).toEqual(['folder/', 'A.md', 'b.txt', 'c<&>.txt', 'link']);
    const b = items.find((i) => i.name === 'b.txt')!;
    expect(b).toEqual({ name: 'b.txt', size: 4, url: './b.txt', mod_time: '2024-05-06T07:08:09Z', mode: b.mode, is_dir: false, is_symlink: false });
    expect(b.mode & 0o777).toBeGreaterThan(0);
    const folder = items[0]!;
    expect(folder.is_dir).toBe(true);
    expect(folder.mode >= 2 ** 31).toBe(true); // Go's os.ModeDir bit
    const link = items.find((i) => i.name === 'link')!;
    expect(link).toMatchObject({ is_symlink: true, size: 33 }); // described by its (inside) target
    expect(items.find((i) => i.name === 'c<&>.txt')!.url).toBe('./c%3C&%3E.txt');
  });

  it('the JSON is escaped as Go\'s encoder does', async () => {
    const text = await (await fetch(url('/list/'), { headers: { Accept: 'application/json' } })).text();
    expect(text).toContain('"c\\u003c\\u0026\\u003e.txt"');
    expect(text.endsWith(']\n')).toBe(true);
  });

  it('sorts by size and time, in both orders, and remembers the choice in cookies', async () => {
    expect((await list('?sort=size&order=asc')).map((i) => i.name)).toEqual(['folder/', 'A.md', 'b.txt', 'c<&>.txt', 'link']);
    expect((await list('?sort=size&order=desc')).map((i) => i.name)).toEqual(['link', 'c<&>.txt', 'b.txt', 'A.md', 'folder/']);
    expect((await list('?sort=time&order=asc'))[0]!.name).toBe('A.md');
    expect((await list('?sort=name&order=desc')).map((i) => i.name)).toEqual(['link', 'folder/', 'c<&>.txt', 'b.txt', 'A.md']);
    const res = await fetch(url('/list/?sort=size&order=desc'), { headers: { Accept: 'application/json' } });
    expect(res.headers.getSetCookie()).toEqual(['sort=size', 'order=desc']);
    expect((await list('', { Cookie: 'sort=size; order=desc' }))[0]!.name).toBe('link');
  });

  it('limit and offset page through the listing', async () => {
    expect((await list('?limit=2')).map((i) => i.name)).toEqual(['folder/', 'A.md']);
    expect((await list('?offset=3&limit=1')).map((i) => i.name)).toEqual(['c<&>.txt']);
  });

  it('an HTML page with breadcrumb, escaped names, sizes and sort links', async () => {
    const res = await fetch(url('/list/'));
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('text/html; charset=utf-8');
    const html = await res.text();
    expect(html).toMatch(/^<!DOCTYPE html>/);
    expect(html).toContain('<title>list</title>');
    expect(html).toContain('<a href="../">/</a><a href="./">list</a>/');
    expect(html).toContain('href="./c%3C&amp;%3E.txt">c&lt;&amp;&gt;.txt</a>');
    expect(html).not.toContain('c<&>.txt');
    expect(html).toContain('href="./folder/"');
    expect(html).toContain('?sort=size&amp;order=asc');
    expect(html).toContain('<b>1</b> directory, <b>4</b> files');
    expect(html).toContain('8 B');
    expect(html).not.toContain('.secret');
  });

  it('a directory without a trailing slash redirects first; an empty directory lists as []', async () => {
    const r = await curl([url('/empty')]);
    expect(r.status).toBe(308);
    expect(r.headers.location).toBe('/empty/');
    const res = await fetch(url('/empty/'), { headers: { Accept: 'application/json' } });
    expect(await res.text()).toBe('[]\n');
  });
});
