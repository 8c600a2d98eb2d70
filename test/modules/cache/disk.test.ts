// The cache with a disk store, through the real engine and a real origin
// that counts what reaches it: stored responses outlive the server that
// stored them, large bodies are served from their file, and Range requests
// are answered from stored responses.
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { localCacheKeys } from '../../../src/modules/cache/stores.js';
import { send, site, type Site } from '../../support/client.js';
import { serve } from '../../support/net.js';
import { type Origin, origin, sleep, until } from './backend.js';

let o: Origin;
let dir = '';
const sites: Site[] = [];
const BIG = Buffer.alloc(3 << 20);
for (let i = 0; i < BIG.length; i++) BIG[i] = (i * 7) & 0xff;

beforeAll(async () => {
  o = await origin();
});
afterAll(async () => {
  await o.close();
});
afterEach(async () => {
  while (sites.length > 0) await sites.pop()!.stop();
  o.seen.length = 0;
  rmSync(dir, { recursive: true, force: true });
});

async function cached(opts: Record<string, unknown> = {}, port?: number): Promise<Site> {
  const routes = [{ handle: [{ handler: 'cache', simplefs: { path: dir }, x_cache_status: true, ...opts }, { handler: 'reverse_proxy', upstreams: [{ dial: o.dial }] }] }];
  if (port !== undefined) {
    // The key holds the host and port: a restarted server must listen where the old one did.
    const { stop } = await serve({ servers: { srv0: { listen: [`127.0.0.1:${port}`], routes } } });
    sites.push({ port, stop });
    return { port, stop };
  }
  const s = await site([{ handle: [{ handler: 'cache', simplefs: { path: dir }, x_cache_status: true, ...opts }, { handler: 'reverse_proxy', upstreams: [{ dial: o.dial }] }] }]);
  sites.push(s);
  return s;
}

const files = (): string[] => readdirSync(join(dir, 'Souin'));
/** Files in place (renamed from their temporary name). */
const placed = (): string[] => files().filter((f) => !f.startsWith('.tmp'));

describe('the disk store', () => {
  it('a new server on the same path answers from what the old one stored, with the time passed in Age', async () => {
    dir = mkdtempSync(join(tmpdir(), 'tsweb-cache-'));
    o.handle = (_q, res) => {
      res.setHeader('Cache-Control', 'max-age=600');
      res.setHeader('ETag', '"one"');
      res.end('stored on disk');
    };
    const first = await cached();
    expect((await send(first.port, '/p')).headers['x-cache-status']).toBe('MISS');
    await until(() => placed().length === 1);
    await first.stop();
    sites.pop();
    await sleep(1100);
    const second = await cached({}, first.port);
    const r = await send(second.port, '/p');
    expect(r.text).toBe('stored on disk');
    expect(r.headers['x-cache-status']).toBe('HIT');
    expect(Number(r.headers['age'])).toBeGreaterThanOrEqual(1);
    expect(r.headers['etag']).toBe('"one"');
    expect(o.count()).toBe(1);
    // Back in memory: the next hit does not need the file.
    expect((await send(second.port, '/p')).headers['x-cache-status']).toBe('HIT');
    // PURGE through the admin API's path reaches the disk too.
    expect(localCacheKeys({ pattern: '^GET-http-', purge: true })).toEqual([`GET-http-127.0.0.1:${second.port}-/p`]);
    expect(files()).toEqual([]);
    expect((await send(second.port, '/p')).headers['x-cache-status']).toBe('MISS');
  });

  it('a Surrogate-Key purge reaches responses only the disk holds (stored by an earlier server)', async () => {
    dir = mkdtempSync(join(tmpdir(), 'tsweb-cache-'));
    o.handle = (q, res) => {
      res.setHeader('Cache-Control', 'max-age=600');
      if (q.url === '/red') res.setHeader('Surrogate-Key', 'colour red');
      res.end(`body ${q.url}`);
    };
    const first = await cached();
    await send(first.port, '/red');
    await send(first.port, '/blue');
    await until(() => placed().length === 2);
    await first.stop();
    sites.pop();
    // A new server's memory is empty: the tags are only in the files.
    const second = await cached({}, first.port);
    expect(localCacheKeys({ pattern: null, purge: true, tags: ['red'] })).toEqual([`GET-http-127.0.0.1:${second.port}-/red`]);
    expect(placed().length).toBe(1);
    expect((await send(second.port, '/red')).headers['x-cache-status']).toBe('MISS');
    expect((await send(second.port, '/blue')).headers['x-cache-status']).toBe('HIT');
  });

  it('a body over the memory threshold is spilled to disk while it streams and served from its file, ranges too', async () => {
    dir = mkdtempSync(join(tmpdir(), 'tsweb-cache-'));
    o.handle = (_q, res) => {
      res.setHeader('Cache-Control', 'max-age=600');
      res.setHeader('ETag', '"big"');
      res.setHeader('Content-Length', BIG.length);
      res.end(BIG);
    };
    // memory_limit 8 MiB: bodies over max(1 MiB, 8 MiB / 16) stay on disk only.
    const s = await cached({ memory_limit: 8 << 20 });
    const miss = await send(s.port, '/big');
    expect(miss.body.equals(BIG)).toBe(true);
    await until(() => placed().length === 1 && files().length === 1);
    const hit = await send(s.port, '/big');
    expect(hit.headers['x-cache-status']).toBe('HIT');
    expect(hit.headers['content-length']).toBe(String(BIG.length));
    expect(hit.body.equals(BIG)).toBe(true);
    const part = await send(s.port, '/big', { headers: { range: 'bytes=1000000-1000009' } });
    expect(part.status).toBe(206);
    expect(part.headers['content-range']).toBe(`bytes 1000000-1000009/${BIG.length}`);
    expect(part.body.equals(BIG.subarray(1000000, 1000010))).toBe(true);
    const tail = await send(s.port, '/big', { headers: { range: 'bytes=-5', 'if-range': '"big"' } });
    expect(tail.status).toBe(206);
    expect(tail.body.equals(BIG.subarray(BIG.length - 5))).toBe(true);
    expect(o.count()).toBe(1);
    // An unsafe method invalidates the file as well as memory.
    o.handle = (_q, res) => res.end('posted');
    await send(s.port, '/big', { method: 'POST' });
    await until(() => files().length === 0);
  });
});

describe('a body kept on disk only', () => {
  it('is revalidated with its ETag: a 304 refreshes the head in a new file and the body is served from it', async () => {
    dir = mkdtempSync(join(tmpdir(), 'tsweb-cache-'));
    o.handle = (q, res) => {
      res.setHeader('Cache-Control', 'max-age=1');
      res.setHeader('ETag', '"big"');
      if (q.headers['if-none-match'] === '"big"') {
        res.statusCode = 304;
        res.setHeader('X-Refreshed', 'yes');
        res.end();
        return;
      }
      res.setHeader('Content-Length', BIG.length);
      res.end(BIG);
    };
    const s = await cached({ memory_limit: 8 << 20 });
    expect((await send(s.port, '/r304')).body.equals(BIG)).toBe(true);
    await until(() => placed().length === 1 && files().length === 1);
    await sleep(1100);
    const r = await send(s.port, '/r304');
    expect([r.status, r.headers['x-cache-status'], r.headers['x-refreshed']]).toEqual([200, 'REVALIDATED', 'yes']);
    expect(r.body.equals(BIG)).toBe(true);
    expect(o.seen[1]!.headers['if-none-match']).toBe('"big"');
    // The refreshed head is on disk: fresh again, with the 304's fields.
    await until(() => files().length === 1 && readFileSync(join(dir, 'Souin', files()[0]!)).includes('x-refreshed'));
    const hit = await send(s.port, '/r304');
    expect([hit.headers['x-cache-status'], hit.headers['x-refreshed']]).toEqual(['HIT', 'yes']);
    expect(hit.body.equals(BIG)).toBe(true);
    expect(o.count()).toBe(2);
  });
});

describe('ranges from stored responses', () => {
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'tsweb-cache-'));
  });

  it('206 for one range, 416 past the end, the whole 200 when If-Range does not match or for several ranges', async () => {
    o.handle = (_q, res) => {
      res.setHeader('Cache-Control', 'max-age=600');
      res.setHeader('ETag', '"r1"');
      res.end('0123456789');
    };
    const s = await cached();
    await send(s.port, '/r');
    const a = await send(s.port, '/r', { headers: { range: 'bytes=2-4' } });
    expect([a.status, a.text, a.headers['content-range'], a.headers['content-length'], a.headers['x-cache-status']]).toEqual([206, '234', 'bytes 2-4/10', '3', 'HIT']);
    const b = await send(s.port, '/r', { headers: { range: 'bytes=20-' } });
    expect([b.status, b.headers['content-range'], b.text]).toEqual([416, 'bytes */10', '']);
    const c = await send(s.port, '/r', { headers: { range: 'bytes=2-4', 'if-range': '"other"' } });
    expect([c.status, c.text, c.headers['content-range']]).toEqual([200, '0123456789', undefined]);
    const d = await send(s.port, '/r', { headers: { range: 'bytes=0-1,5-6' } });
    expect([d.status, d.text]).toEqual([200, '0123456789']);
    expect(o.count()).toBe(1);
  });

  it('a Range miss asks the origin for the whole response, stores it and answers the range', async () => {
    o.handle = (_q, res) => {
      res.setHeader('Cache-Control', 'max-age=600');
      res.setHeader('Content-Length', 10);
      res.end('abcdefghij');
    };
    const s = await cached();
    const a = await send(s.port, '/m', { headers: { range: 'bytes=3-5' } });
    expect([a.status, a.text, a.headers['content-range'], a.headers['x-cache-status']]).toEqual([206, 'def', 'bytes 3-5/10', 'MISS']);
    expect(o.seen[0]!.headers.range).toBeUndefined();
    const b = await send(s.port, '/m');
    expect([b.status, b.text, b.headers['x-cache-status']]).toEqual([200, 'abcdefghij', 'HIT']);
    const c = await send(s.port, '/m2', { headers: { range: 'bytes=30-' } });
    expect([c.status, c.headers['content-range'], c.text]).toEqual([416, 'bytes */10', '']);
    expect((await send(s.port, '/m2')).headers['x-cache-status']).toBe('HIT');
    expect(o.count()).toBe(2);
  });

  it('a Range miss answered by an error passes the error through unchanged', async () => {
    o.handle = (_q, res) => {
      res.writeHead(404, { 'Content-Length': 9 });
      res.end('not found');
    };
    const s = await cached();
    const a = await send(s.port, '/missing', { headers: { range: 'bytes=0-3' } });
    expect([a.status, a.text, a.headers['content-range']]).toEqual([404, 'not found', undefined]);
  });

  it('a range starting past max_cacheable_body_bytes goes to the origin as it came (seeking in a large file)', async () => {
    o.handle = (q, res) => {
      res.statusCode = q.headers.range === undefined ? 200 : 206;
      if (q.headers.range !== undefined) res.setHeader('Content-Range', 'bytes 500-502/1000');
      res.end(q.headers.range === undefined ? 'whole' : 'abc');
    };
    const s = await cached({ max_cacheable_body_bytes: 100 });
    const a = await send(s.port, '/seek', { headers: { range: 'bytes=500-502' } });
    expect([a.status, a.text, a.headers['content-range']]).toEqual([206, 'abc', 'bytes 500-502/1000']);
    expect(o.seen[0]!.headers.range).toBe('bytes=500-502');
  });
});
