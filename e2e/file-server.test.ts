// `tsweb file-server` as users run it: the built CLI as a process serving a
// temporary directory on a free port, node:http as the client (raw bytes, so
// compression is seen as sent), signals to stop it.
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { request } from 'node:http';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gunzipSync, gzipSync, zstdDecompressSync } from 'node:zlib';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { ensureBuilt, freePort, killChildren, type Proc, startCli, until } from './cli-harness.js';

beforeAll(ensureBuilt);
afterEach(killChildren);

const start = (args: string[], cwd: string): Proc => startCli(['file-server', ...args], cwd);

interface Res {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: Buffer;
}

/** One GET with the given headers; the body exactly as the server sent it. */
function get(port: number, path: string, headers: Record<string, string> = {}): Promise<Res> {
  return new Promise((res, rej) => {
    const req = request({ host: '127.0.0.1', port, path, headers: { connection: 'close', ...headers }, timeout: 5000 }, (r) => {
      const chunks: Buffer[] = [];
      r.on('data', (c: Buffer) => chunks.push(c));
      r.on('end', () => res({ status: r.statusCode!, headers: r.headers, body: Buffer.concat(chunks) }));
    });
    req.on('timeout', () => req.destroy(new Error('request timed out')));
    req.on('error', rej);
    req.end();
  });
}

/** Whether anything accepts connections on the port. */
function refused(port: number): Promise<boolean> {
  return get(port, '/').then(
    () => false,
    (err: NodeJS.ErrnoException) => err.code === 'ECONNREFUSED',
  );
}

const page = `<!doctype html><title>docs</title>\n${'<p>All work and no play makes Jack a dull boy.</p>\n'.repeat(40)}`;

function site(): string {
  const dir = mkdtempSync(join(tmpdir(), 'tsweb-fs-'));
  writeFileSync(join(dir, 'page.html'), page);
  writeFileSync(join(dir, 'hello.txt'), 'hello\n');
  mkdirSync(join(dir, 'sub'));
  writeFileSync(join(dir, 'sub', 'b.txt'), 'bee\n');
  return dir;
}

async function startServing(args: string[], cwd: string): Promise<{ p: Proc; port: number }> {
  const port = await freePort();
  const p = start(['--listen', `127.0.0.1:${port}`, ...args], cwd);
  await until(() => p.stderr().includes('serving static files') || p.child.exitCode !== null, 'startup');
  expect(p.stderr()).toMatch(new RegExp(`"msg":"server running".*"listen":\\["127\\.0\\.0\\.1:${port}"\\]`));
  return { p, port };
}

describe('tsweb file-server', () => {
  it('serves --root, compresses with zstd or gzip, lists directories with --browse, stops on SIGTERM with exit 0', async () => {
    const dir = site();
    // Started elsewhere: --root is what counts, not the working directory.
    const { p, port } = await startServing(['--root', dir, '--browse'], tmpdir());

    const plain = await get(port, '/hello.txt');
    expect(plain.status).toBe(200);
    expect(plain.body.toString()).toBe('hello\n');
    expect(plain.headers['content-type']).toBe('text/plain; charset=utf-8');

    const gz = await get(port, '/page.html', { 'accept-encoding': 'gzip' });
    expect(gz.headers['content-encoding']).toBe('gzip');
    expect(gunzipSync(gz.body).toString()).toBe(page);
    // Caddy's file-server prefers zstd when the client takes both.
    const zst = await get(port, '/page.html', { 'accept-encoding': 'gzip, zstd' });
    expect(zst.headers['content-encoding']).toBe('zstd');
    expect(zstdDecompressSync(zst.body).toString()).toBe(page);

    const listing = await get(port, '/', { accept: 'application/json' });
    expect(listing.status).toBe(200);
    expect(listing.headers['content-type']).toMatch(/^application\/json/);
    const entries = JSON.parse(listing.body.toString()) as { name: string; is_dir: boolean; size: number }[];
    expect(entries.map((e) => e.name).sort()).toEqual(['hello.txt', 'page.html', 'sub/']);
    expect(entries.find((e) => e.name === 'hello.txt')!.size).toBe(6);
    // A directory without its trailing slash redirects, as Caddy's does.
    const redirect = await get(port, '/sub');
    expect(redirect.status).toBe(308);
    expect(redirect.headers.location).toBe('/sub/');

    expect((await get(port, '/missing.txt')).status).toBe(404);

    p.child.kill('SIGTERM');
    expect(await p.exited).toBe(0);
    expect(p.stderr()).toContain('shutdown complete');
    expect(await refused(port)).toBe(true);
  });

  it('serves the working directory by default; no listing without --browse; --no-compress sends files as they are; SIGINT stops it', async () => {
    const dir = site();
    const { p, port } = await startServing(['--no-compress'], dir);
    const res = await get(port, '/page.html', { 'accept-encoding': 'gzip, zstd' });
    expect(res.status).toBe(200);
    expect(res.headers['content-encoding']).toBeUndefined();
    expect(res.body.toString()).toBe(page);
    expect((await get(port, '/sub/', { accept: 'application/json' })).status).toBe(404);
    p.child.kill('SIGINT');
    expect(await p.exited).toBe(0);
  });

  it('--precompressed serves the sidecar file; --access-log logs each request', async () => {
    const dir = site();
    const sidecar = gzipSync(Buffer.from(page), { level: 9 });
    writeFileSync(join(dir, 'page.html.gz'), sidecar);
    const { p, port } = await startServing(['--precompressed', 'zstd,gzip', '--access-log'], dir);
    const res = await get(port, '/page.html', { 'accept-encoding': 'gzip' });
    expect(res.headers['content-encoding']).toBe('gzip');
    expect(res.headers['content-type']).toBe('text/html; charset=utf-8');
    expect(res.body.equals(sidecar)).toBe(true);
    await until(() => p.stderr().includes('"uri":"/page.html"'), 'the access log line');
    expect(p.stderr()).toMatch(/"logger":"http\.log\.access[^"]*".*"msg":"handled request".*"uri":"\/page\.html"/);
    p.child.kill('SIGTERM');
    expect(await p.exited).toBe(0);
  });

  it('--templates renders the files as templates (Caddy\'s context and Sprig)', async () => {
    const dir = site();
    writeFileSync(join(dir, 'tpl.html'), '<p>{{.Req.URL.Path}} {{upper "ok"}} {{include "/hello.txt" | trim}}</p>');
    const { p, port } = await startServing(['--root', dir, '--templates', '--no-compress'], tmpdir());
    const res = await get(port, '/tpl.html');
    expect(res.body.toString()).toBe('<p>/tpl.html OK hello</p>');
    p.child.kill('SIGTERM');
    expect(await p.exited).toBe(0);
  });

  it('refuses a precompressor it has no module for, and a bad flag, with the reason', async () => {
    const dir = site();
    const port = await freePort();

    const bogus = start(['--listen', `127.0.0.1:${port}`, '--precompressed', 'xz'], dir);
    expect(await bogus.exited).toBe(1);
    expect(bogus.stderr()).toContain("Error: getting module named 'http.precompressed.xz'");

    const usage = start(['--file-limit', 'lots'], dir);
    expect(await usage.exited).toBe(2);
    expect(usage.stderr()).toContain('invalid argument "lots" for "-f, --file-limit" flag');
  });

  it('exits 1 with the reason when the address is taken', async () => {
    const port = await freePort();
    const blocker = createServer().listen(port, '127.0.0.1');
    await new Promise((r) => blocker.once('listening', r));
    try {
      const p = start(['--listen', `127.0.0.1:${port}`], site());
      expect(await p.exited).toBe(1);
      expect(p.stderr()).toMatch(new RegExp(`^Error: loading new config: http app module: start: listening on 127\\.0\\.0\\.1:${port}: listen EADDRINUSE`, 'm'));
    } finally {
      blocker.close();
    }
  });
});
