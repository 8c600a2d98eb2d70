// encode through the engine with real clients: curl --compressed for gzip,
// zstd and brotli decoded with node:zlib and compared byte for byte; the
// minimum length, the Content-Type allow-list, q-values and prefer, no double
// encoding, HEAD/204/304, weak ETags, streaming (SSE arrives event by event)
// and backpressure.
import { execFile } from 'node:child_process';
import { request } from 'node:http';
import { promisify } from 'node:util';
import { brotliDecompressSync, createGunzip, gunzipSync, zstdDecompressSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { registerHandler } from '../../../src/core/registry.js';
import { respond, send, site, type Site } from '../../support/client.js';

const run = promisify(execFile);
const text = 'The quick brown fox jumps over the lazy dog. '.repeat(60); // 2,700 bytes

/** Writes `pieces` one by one, `gapMs` apart, honouring backpressure; records what write() returned. */
const writes: boolean[] = [];
let releaseStream: () => void = () => {};
registerHandler('test_writer', (config) => async (ctx) => {
  const { w: res } = ctx;
  for (const [k, v] of Object.entries((config.headers ?? {}) as Record<string, string>)) res.setHeader(k, v);
  if (config.status) res.statusCode = config.status;
  const pieces: string[] = config.pieces;
  for (const p of pieces) {
    const ok = res.write(p);
    writes.push(ok);
    if (!ok) await new Promise<void>((r) => res.onceDrain(r));
    if (config.gapMs) await new Promise((r) => setTimeout(r, config.gapMs));
  }
  if (config.waitForTest) await new Promise<void>((r) => (releaseStream = r));
  res.end();
});
registerHandler('test_big', (config) => async (ctx) => {
  const { w: res } = ctx;
  res.setHeader('Content-Type', 'text/plain');
  const chunk = Buffer.alloc(64 * 1024, 'abcdefghij');
  for (let i = 0; i < config.chunks; i++) {
    const ok = res.write(chunk);
    writes.push(ok);
    if (!ok) await new Promise<void>((r) => res.onceDrain(r));
  }
  res.end();
});

const enc = (extra: Record<string, unknown> = {}) => ({ handler: 'encode', encodings: { gzip: {}, zstd: {}, br: {} }, prefer: ['zstd', 'br', 'gzip'], ...extra });
const plain = (body: string, headers: Record<string, string[]> = {}, status?: number) =>
  respond(body, { headers: { 'Content-Type': ['text/plain; charset=utf-8'], ...headers }, ...(status ? { status_code: status } : {}) });

let s: Site;
beforeAll(async () => {
  s = await site([
    { match: [{ path: ['/text'] }], handle: [enc(), plain(text, { ETag: ['"abc"'], 'Accept-Ranges': ['bytes'] })] },
    { match: [{ path: ['/small'] }], handle: [enc(), plain('short body')] },
    { match: [{ path: ['/png'] }], handle: [enc(), respond(text, { headers: { 'Content-Type': ['image/png'] } })] },
    { match: [{ path: ['/untyped'] }], handle: [enc(), { handler: 'test_writer', pieces: [`<!DOCTYPE html><p>${text}`] }] },
    { match: [{ path: ['/already'] }], handle: [enc(), plain(text, { 'Content-Encoding': ['br'] })] },
    { match: [{ path: ['/no-transform'] }], handle: [enc(), plain(text, { 'Cache-Control': ['no-transform'] })] },
    { match: [{ path: ['/204'] }], handle: [enc(), { handler: 'test_writer', status: 204, pieces: [] }] },
    { match: [{ path: ['/304'] }], handle: [enc(), plain('', {}, 304)] },
    { match: [{ path: ['/pieces'] }], handle: [enc(), { handler: 'test_writer', headers: { 'Content-Type': 'text/plain' }, pieces: Array(40).fill('0123456789abcdef') }] },
    { match: [{ path: ['/few-pieces'] }], handle: [enc(), { handler: 'test_writer', headers: { 'Content-Type': 'text/plain' }, pieces: ['abc', 'def', 'ghi'] }] },
    { match: [{ path: ['/min100'] }], handle: [enc({ minimum_length: 100 }), plain('x'.repeat(150))] },
    { match: [{ path: ['/only-json-2xx'] }], handle: [enc({ match: { status_code: [2], headers: { 'Content-Type': ['application/json*'] } } }), respond(`{"a":"${text}"}`, { status_code: '{http.request.uri.query.s}' })] },
    { match: [{ path: ['/sse'] }], handle: [enc(), { handler: 'test_writer', headers: { 'Content-Type': 'text/event-stream' }, pieces: [`data: ${'e'.repeat(600)}\n\n`, 'data: second\n\n'], waitForTest: true }] },
    { match: [{ path: ['/big'] }], handle: [enc(), { handler: 'test_big', chunks: 160 }] },
    { match: [{ path: ['/double'] }], handle: [enc(), { handler: 'encode', encodings: { gzip: {} } }, plain(text)] },
    { match: [{ path: ['/header-after'] }], handle: [{ handler: 'headers', response: { deferred: true, set: { 'X-Saw-Encoding': ['{http.response.header.Content-Encoding}'] } } }, enc(), plain(text)] },
  ]);
});
afterAll(() => s?.stop());

describe('which encoding', () => {
  it.each([
    ['gzip', 'gzip'],
    ['gzip, zstd', 'zstd'], // equal q: the server's prefer order
    ['gzip, br', 'br'],
    ['zstd;q=0.5, gzip', 'gzip'], // q first
    ['gzip;q=0, zstd;q=0', undefined],
    ['identity', undefined],
    ['deflate', undefined],
    ['GZIP;Q=1.0', 'gzip'],
    ['*', undefined],
  ])('Accept-Encoding: %s → %s', async (ae, expected) => {
    const r = await send(s.port, '/text', { headers: { 'Accept-Encoding': ae } });
    expect(r.headers['content-encoding']).toBe(expected);
    const body = expected === 'gzip' ? gunzipSync(r.body) : expected === 'zstd' ? zstdDecompressSync(r.body) : expected === 'br' ? brotliDecompressSync(r.body) : r.body;
    expect(body.toString()).toBe(text);
  });

  it('no Accept-Encoding: identity, Content-Length kept', async () => {
    const r = await send(s.port, '/text');
    expect(r.headers['content-encoding']).toBeUndefined();
    expect(r.headers['content-length']).toBe(String(text.length));
  });

  it('a WebSocket handshake is never encoded', async () => {
    const r = await send(s.port, '/text', { headers: { 'Accept-Encoding': 'gzip', 'Sec-WebSocket-Key': 'x' } });
    expect(r.headers['content-encoding']).toBeUndefined();
  });
});

describe('real clients', () => {
  it('curl --compressed gets the same bytes back', async () => {
    const { stdout } = await run('curl', ['-s', '--compressed', '-D', '-', `http://127.0.0.1:${s.port}/text`], { timeout: 10_000, encoding: 'utf8' });
    const [head, body] = stdout.split('\r\n\r\n');
    expect(head).toMatch(/content-encoding: (gzip|br|zstd)/i);
    expect(body).toBe(text);
  });
  it('curl asking for zstd only', async () => {
    const { stdout } = await run('curl', ['-s', '-H', 'Accept-Encoding: zstd', `http://127.0.0.1:${s.port}/text`], { timeout: 10_000, encoding: 'buffer' });
    expect(zstdDecompressSync(stdout).toString()).toBe(text);
  });
});

describe('the response when encoded', () => {
  it('Content-Encoding and Vary set; Content-Length and Accept-Ranges gone; ETag weak', async () => {
    const r = await send(s.port, '/text', { headers: { 'Accept-Encoding': 'gzip' } });
    expect(r.headers['content-encoding']).toBe('gzip');
    expect(r.headers.vary).toBe('Accept-Encoding');
    expect(r.headers['content-length']).toBeUndefined();
    expect(r.headers['accept-ranges']).toBeUndefined();
    expect(r.headers.etag).toBe('W/"abc"');
  });
  it('a deferred header op outside encode sees the encoding', async () => {
    const r = await send(s.port, '/header-after', { headers: { 'Accept-Encoding': 'gzip' } });
    expect(r.headers['x-saw-encoding']).toBe('gzip');
  });
});

describe('when not to encode', () => {
  it.each([
    ['/small', 'a body under minimum_length (512)'],
    ['/png', 'a type outside the allow-list'],
    ['/no-transform', 'Cache-Control: no-transform'],
  ])('%s: %s', async (path) => {
    const r = await send(s.port, path, { headers: { 'Accept-Encoding': 'gzip' } });
    expect(r.headers['content-encoding']).toBeUndefined();
    expect(r.headers['content-length']).toBe(String(r.body.length));
  });
  it('a response already encoded is passed through, not encoded twice', async () => {
    const r = await send(s.port, '/already', { headers: { 'Accept-Encoding': 'gzip' } });
    expect(r.headers['content-encoding']).toBe('br');
    expect(r.text).toBe(text);
  });
  it('two encode handlers in a row encode once', async () => {
    const r = await send(s.port, '/double', { headers: { 'Accept-Encoding': 'gzip' } });
    expect(r.headers['content-encoding']).toBe('gzip');
    expect(gunzipSync(r.body).toString()).toBe(text);
  });
  it('HEAD gets the head GET gets (encoded, no length), and no body', async () => {
    const r = await send(s.port, '/text', { method: 'HEAD', headers: { 'Accept-Encoding': 'gzip' } });
    expect(r.headers['content-encoding']).toBe('gzip');
    expect(r.headers.vary).toBe('Accept-Encoding');
    expect(r.headers['content-length']).toBeUndefined();
    expect(r.body.length).toBe(0);
  });
  it('204 and 304 are untouched', async () => {
    for (const [path, code] of [['/204', 204], ['/304', 304]] as const) {
      const r = await send(s.port, path, { headers: { 'Accept-Encoding': 'gzip' } });
      expect(r.status).toBe(code);
      expect(r.headers['content-encoding']).toBeUndefined();
      expect(r.body.length).toBe(0);
    }
  });
  it('the match override: status and type', async () => {
    const ok = await send(s.port, '/only-json-2xx?s=200', { headers: { 'Accept-Encoding': 'gzip' } });
    expect(ok.headers['content-encoding']).toBe('gzip');
    const err = await send(s.port, '/only-json-2xx?s=500', { headers: { 'Accept-Encoding': 'gzip' } });
    expect(err.status).toBe(500);
    expect(err.headers['content-encoding']).toBeUndefined();
  });
});

describe('deciding on length', () => {
  it('many small writes adding up past the minimum are encoded', async () => {
    const r = await send(s.port, '/pieces', { headers: { 'Accept-Encoding': 'gzip' } });
    expect(r.headers['content-encoding']).toBe('gzip');
    expect(gunzipSync(r.body).toString()).toBe('0123456789abcdef'.repeat(40));
  });
  it('a few small writes that end short go out as they are', async () => {
    const r = await send(s.port, '/few-pieces', { headers: { 'Accept-Encoding': 'gzip' } });
    expect(r.headers['content-encoding']).toBeUndefined();
    expect(r.text).toBe('abcdefghi');
  });
  it('minimum_length is configurable', async () => {
    const r = await send(s.port, '/min100', { headers: { 'Accept-Encoding': 'gzip' } });
    expect(r.headers['content-encoding']).toBe('gzip');
  });
  it('a missing Content-Type is sniffed (and then allowed)', async () => {
    const r = await send(s.port, '/untyped', { headers: { 'Accept-Encoding': 'gzip' } });
    expect(r.headers['content-type']).toBe('text/html; charset=utf-8');
    expect(r.headers['content-encoding']).toBe('gzip');
  });
});

describe('streaming', () => {
  it('server-sent events are flushed through the compressor as they are written', async () => {
    const first = await new Promise<string>((resolve, reject) => {
      const req = request({ host: '127.0.0.1', port: s.port, path: '/sse', headers: { 'Accept-Encoding': 'gzip' }, agent: false }, (res) => {
        expect(res.headers['content-encoding']).toBe('gzip');
        const gunzip = createGunzip();
        let got = '';
        res.pipe(gunzip);
        gunzip.on('data', (d: Buffer) => {
          got += d.toString();
          // Both events arrive while the handler is still running (it waits for us).
          if (got.includes('data: second\n\n')) {
            resolve(got);
            releaseStream();
          }
        });
        gunzip.on('error', reject);
      });
      req.on('error', reject);
      req.end();
      setTimeout(() => {
        releaseStream();
        reject(new Error('events did not arrive before the end of the stream'));
      }, 5000);
    });
    expect(first).toBe(`data: ${'e'.repeat(600)}\n\ndata: second\n\n`);
  });

  it('a 10 MiB body streams with backpressure and decodes intact', async () => {
    writes.length = 0;
    const r = await new Promise<{ size: number; enc: string | undefined }>((resolve, reject) => {
      const req = request({ host: '127.0.0.1', port: s.port, path: '/big', headers: { 'Accept-Encoding': 'gzip' }, agent: false }, (res) => {
        const gunzip = createGunzip();
        let size = 0;
        res.pause();
        // A slow reader at first, so the writer has to wait for 'drain'.
        setTimeout(() => res.pipe(gunzip), 300);
        gunzip.on('data', (d: Buffer) => (size += d.length));
        gunzip.on('end', () => resolve({ size, enc: res.headers['content-encoding'] }));
        gunzip.on('error', reject);
      });
      req.on('error', reject);
      req.end();
    });
    expect(r.enc).toBe('gzip');
    expect(r.size).toBe(160 * 64 * 1024);
    expect(writes).toContain(false);
  }, 20_000);
});

describe('config errors', () => {
  it('prefer must name enabled encodings, once', async () => {
    await expect(site([{ handle: [{ handler: 'encode', encodings: { gzip: {} }, prefer: ['zstd'] }] }])).rejects.toThrow(/encoding zstd not enabled/);
    await expect(site([{ handle: [{ handler: 'encode', encodings: { gzip: {} }, prefer: ['gzip', 'gzip'] }] }])).rejects.toThrow(/duplicated in prefer/);
  });
  it('unknown encoders are refused', async () => {
    await expect(site([{ handle: [{ handler: 'encode', encodings: { deflate: {} } }] }])).rejects.toThrow(/http\.encoders\.deflate/);
  });
});
