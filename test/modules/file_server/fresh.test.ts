// file_server's fast path (open.ts: real paths remembered for a second,
// synchronous opens, descriptors owned by the streamer) must never make it
// serve something stale or outside the root: edits and swapped links show
// up on the very next request, FIFOs do not hang it, and clients that hang
// up mid-download leave no descriptor open. Real sockets, node's http client.
import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdirSync, mkdtempSync, readdirSync, renameSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freePort, serve } from '../../support/net.js';

const SECRET = 'TOP-SECRET-OUTSIDE-THE-ROOT';
const BIG = randomBytes(2 * 1024 * 1024);

const dir = mkdtempSync(join(tmpdir(), 'tsweb-fsfresh-'));
const root = join(dir, 'site');
let port: number;
let stop: (() => Promise<void>) | undefined;

async function get(path: string): Promise<{ status: number; body: string }> {
  const r = await fetch(`http://127.0.0.1:${port}${path}`, { signal: AbortSignal.timeout(5000) });
  return { status: r.status, body: await r.text() };
}

beforeAll(async () => {
  mkdirSync(join(dir, 'outside'));
  writeFileSync(join(dir, 'outside', 'page.txt'), SECRET);
  mkdirSync(join(root, 'docs'), { recursive: true });
  writeFileSync(join(root, 'docs', 'page.txt'), 'inside page');
  writeFileSync(join(root, 'note.txt'), 'first version');
  writeFileSync(join(root, 'swap.txt'), 'a plain file');
  writeFileSync(join(root, 'big.bin'), BIG);
  execFileSync('mkfifo', [join(root, 'pipe')]);
  port = await freePort();
  ({ stop } = await serve({
    servers: { srv0: { listen: [`127.0.0.1:${port}`], routes: [{ handle: [{ handler: 'file_server', root }] }] } },
  }));
});

afterAll(async () => {
  await stop?.();
  rmSync(dir, { recursive: true, force: true });
});

describe('file_server never serves a remembered answer', () => {
  it('an edited file is served with its new content and length at once', async () => {
    expect(await get('/note.txt')).toEqual({ status: 200, body: 'first version' });
    writeFileSync(join(root, 'note.txt'), 'the second, longer version of the note');
    expect(await get('/note.txt')).toEqual({ status: 200, body: 'the second, longer version of the note' });
  });

  it('an in-place edit that keeps the length is served at once', async () => {
    writeFileSync(join(root, 'same.txt'), 'version A');
    await new Promise((r) => setTimeout(r, 30)); // the edit lands in a later timestamp tick than the creation
    expect((await get('/same.txt')).body).toBe('version A');
    expect((await get('/same.txt')).body).toBe('version A');
    writeFileSync(join(root, 'same.txt'), 'version B');
    expect((await get('/same.txt')).body).toBe('version B');
  });

  it('a file swapped for a link out of the root is refused on the next request', async () => {
    expect((await get('/swap.txt')).body).toBe('a plain file');
    symlinkSync(join(dir, 'outside', 'page.txt'), join(root, 'swap.new'));
    renameSync(join(root, 'swap.new'), join(root, 'swap.txt'));
    const r = await get('/swap.txt');
    expect(r.status).toBe(404);
    expect(r.body).not.toContain(SECRET);
  });

  it('a directory swapped for a link out of the root is refused on the next request', async () => {
    expect((await get('/docs/page.txt')).body).toBe('inside page');
    renameSync(join(root, 'docs'), join(root, 'docs.old'));
    symlinkSync(join(dir, 'outside'), join(root, 'docs'));
    const r = await get('/docs/page.txt');
    expect(r.status).toBe(404);
    expect(r.body).not.toContain(SECRET);
  });

  it('a deleted file is gone on the next request', async () => {
    writeFileSync(join(root, 'temp.txt'), 'short-lived');
    expect((await get('/temp.txt')).status).toBe(200);
    rmSync(join(root, 'temp.txt'));
    expect((await get('/temp.txt')).status).toBe(404);
  });

  it('a FIFO is answered 404 at once, and the server keeps serving', async () => {
    expect((await get('/pipe')).status).toBe(404);
    expect((await get('/big.bin')).body.length).toBeGreaterThan(0);
  });
});

/** Descriptors this process has open (the server runs in it). */
const openFds = () => readdirSync('/proc/self/fd').length;

/** Starts downloading `path` and hangs up after the first chunk. */
function abandon(path: string): Promise<void> {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, path }, (res) => {
      res.once('data', () => {
        req.destroy();
        resolve();
      });
    });
    req.on('error', (err) => ((err as NodeJS.ErrnoException).code === 'ECONNRESET' ? resolve() : reject(err)));
    req.end();
  });
}

describe.runIf(process.platform === 'linux')('descriptors', () => {
  it('clients that hang up mid-download leave no file open', async () => {
    await get('/big.bin'); // warm: lazily opened descriptors (loggers, the pool) are not leaks
    const before = openFds();
    for (let i = 0; i < 20; i++) await abandon('/big.bin');
    await Promise.all(Array.from({ length: 20 }, () => abandon('/big.bin')));
    const full = await fetch(`http://127.0.0.1:${port}/big.bin`);
    expect(Buffer.from(await full.arrayBuffer()).equals(BIG)).toBe(true);
    // Sockets and pending reads wind down asynchronously: give them a moment.
    const deadline = Date.now() + 3000;
    while (openFds() > before + 2 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
    expect(openFds()).toBeLessThanOrEqual(before + 2);
  });
});
