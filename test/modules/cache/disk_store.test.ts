// The cache's disk store on a real directory: what is written is read back
// (small bodies into memory, large ones as an open file), the budgets evict
// the least recently used, leftovers of a crash are cleaned, and a damaged
// file is refused with a log line instead of being served.
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { ResponseWriter } from '../../../src/core/response.js';
import { DiskStore, variantName } from '../../../src/modules/cache/disk_store.js';
import { makeEntry } from '../../../src/modules/cache/entry.js';
import type { Timing } from '../../../src/modules/cache/freshness.js';
import { parseRange, rangeFor, rangeStart } from '../../../src/modules/cache/range.js';
import { until } from './backend.js';

const dirs: string[] = [];
afterEach(() => {
  while (dirs.length > 0) rmSync(dirs.pop()!, { recursive: true, force: true });
});

function tmp(): string {
  const d = mkdtempSync(join(tmpdir(), 'tsweb-disk-'));
  dirs.push(d);
  return d;
}

const NOW = Date.now();
const timing = (responseTime = NOW): Timing => ({ responseTime, initialAgeMs: 0, lifetimeMs: 60_000, swrMs: 0, sieMs: 0, mustRevalidate: false, noCache: false });

/** The one part of a writer the lookup uses: closing the file when the response is over. */
function writer(): ResponseWriter & { close(): void } {
  const cbs: Array<() => void> = [];
  return { onClose: (cb: () => void) => cbs.push(cb), close: () => cbs.forEach((cb) => cb()) } as unknown as ResponseWriter & { close(): void };
}

function store(opts: Partial<ConstructorParameters<typeof DiskStore>[0]> = {}, log?: Array<[string, string, Record<string, unknown> | undefined]>): DiskStore {
  return new DiskStore(
    { dir: join(tmp(), 'Souin'), maxBytes: 0, maxEntries: 0, memoryBodyMax: 1024, ...opts },
    log === undefined ? undefined : (level, _logger, msg, fields) => void log.push([level, msg, fields]),
  );
}

const entry = (key: string, body: string | Buffer, t = timing(), vary: Array<[string, string]> = []) =>
  makeEntry(key, 200, { 'content-type': 'text/plain', etag: '"v1"' }, Buffer.from(body), vary, t, 120_000);

describe('disk store', () => {
  it('reads back what it wrote: a small body into memory, a large one as an open file', async () => {
    const s = store();
    await s.put('GET-http-a-/small', entry('GET-http-a-/small', 'hello'));
    const big = Buffer.alloc(5000, 7);
    await s.put('GET-http-a-/big', entry('GET-http-a-/big', big));
    const w = writer();
    const small = await s.lookup('GET-http-a-/small', {}, NOW + 1000, w);
    expect(small?.body.toString()).toBe('hello');
    expect(small?.file).toBeUndefined();
    expect(small?.headers['etag']).toBe('"v1"');
    expect(small?.timing.responseTime).toBe(NOW);
    const large = await s.lookup('GET-http-a-/big', {}, NOW + 1000, w);
    expect(large?.body.length).toBe(0);
    expect(large?.file?.length).toBe(5000);
    const read = Buffer.alloc(5000);
    await large!.file!.handle.read(read, 0, 5000, 0);
    expect(read.equals(big)).toBe(true);
    w.close();
    expect(await s.lookup('GET-http-a-/none', {}, NOW, w)).toBeUndefined();
    // Nothing but the two files (and no temporary one) is left.
    expect(readdirSync(s.dir).sort()).toEqual([variantName('GET-http-a-/big', []), variantName('GET-http-a-/small', [])].sort());
  });

  it('keeps Vary variants apart and picks the one the request matches', async () => {
    const s = store();
    const key = 'GET-http-a-/v';
    await s.put(key, entry(key, 'english', timing(), [['accept-language', 'en']]));
    await s.put(key, entry(key, 'french', timing(), [['accept-language', 'fr']]));
    const w = writer();
    expect((await s.lookup(key, { 'accept-language': 'fr' }, NOW, w))?.body.toString()).toBe('french');
    expect((await s.lookup(key, { 'accept-language': 'EN' }, NOW, w))?.body.toString()).toBe('english');
    expect(await s.lookup(key, { 'accept-language': 'de' }, NOW, w)).toBeUndefined();
    await s.delete(key);
    expect(await s.lookup(key, { 'accept-language': 'fr' }, NOW, w)).toBeUndefined();
    expect(readdirSync(s.dir)).toEqual([]);
  });

  it('deletes an expired file when a lookup meets it, and in the sweep', async () => {
    const s = store();
    await s.put('k1', entry('k1', 'a'));
    await s.put('k2', entry('k2', 'b'));
    const later = NOW + 200_000; // past dropAt (responseTime + 120 s)
    expect(await s.lookup('k1', {}, later, writer())).toBeUndefined();
    await until(() => readdirSync(s.dir).length === 1);
    expect(readdirSync(s.dir)).toEqual([variantName('k2', [])]);
    await s.sweep(later);
    expect(readdirSync(s.dir)).toEqual([]);
  });

  it('keeps the directory within directory_size and size, least recently used first', async () => {
    const s = store();
    for (const k of ['a', 'b', 'c', 'd']) await s.put(k, entry(k, Buffer.alloc(1000)));
    // Room for three of the four files.
    s.opts.maxBytes = 3 * statSync(join(s.dir, variantName('a', []))).size + 10;
    // Used in the order d, a, c, b: b is the least recently used.
    const t = NOW / 1000;
    for (const [k, age] of [['d', 40], ['a', 30], ['c', 20], ['b', 50]] as const) utimesSync(join(s.dir, variantName(k, [])), t - age, t - age);
    await s.sweep(NOW);
    expect(readdirSync(s.dir).sort()).toEqual(['a', 'c', 'd'].map((k) => variantName(k, [])).sort());
    s.opts.maxEntries = 1;
    await s.sweep(NOW);
    expect(readdirSync(s.dir)).toEqual([variantName('c', [])]);
    // A hit touches the file, so it counts as used now.
    await s.lookup('c', {}, NOW, writer());
  });

  it('removes the temporary files of a process that is gone, not those being written', async () => {
    const s = store();
    writeFileSync(join(s.dir, '.tmp-999999999-deadbeef'), 'half a body');
    writeFileSync(join(s.dir, `.tmp-${process.pid}-cafe`), 'being written');
    await s.sweep(NOW);
    expect(readdirSync(s.dir)).toEqual([`.tmp-${process.pid}-cafe`]);
    // An hour later it is a leftover too.
    await s.sweep(NOW + 2 * 3600_000);
    expect(readdirSync(s.dir)).toEqual([]);
  });

  it('refuses a damaged file with a log line and removes it; it is never served', async () => {
    const log: Array<[string, string, Record<string, unknown> | undefined]> = [];
    const s = store({}, log);
    await s.put('GET-http-a-/x', entry('GET-http-a-/x', 'the whole body'));
    const path = join(s.dir, variantName('GET-http-a-/x', []));
    const whole = readFileSync(path);
    // Cut short: the body is there, the head and footer are not.
    writeFileSync(path, whole.subarray(0, whole.length - 20));
    expect(await s.lookup('GET-http-a-/x', {}, NOW, writer())).toBeUndefined();
    expect(log).toEqual([['warn', 'removed a corrupted cache file', { file: path, error: 'no footer' }]]);
    await until(() => readdirSync(s.dir).length === 0);
    // A body longer than the head says (bytes appended) is refused as well.
    await s.put('GET-http-a-/x', entry('GET-http-a-/x', 'body'));
    const good = readFileSync(path);
    writeFileSync(path, Buffer.concat([Buffer.from('extra'), good]));
    expect(await s.lookup('GET-http-a-/x', {}, NOW, writer())).toBeUndefined();
    expect(log[1]?.[2]?.error).toMatch(/^body is 9 bytes, head says 4$/);
  });

  it('lists and purges keys on disk for the admin API', async () => {
    const s = store();
    for (const k of ['GET-http-a-/one', 'GET-http-a-/two', 'GET-http-b-/one']) await s.put(k, entry(k, 'x'));
    expect(s.keysSync(null, false).sort()).toEqual(['GET-http-a-/one', 'GET-http-a-/two', 'GET-http-b-/one']);
    expect(s.keysSync((k) => k.startsWith('GET-http-a-'), true).sort()).toEqual(['GET-http-a-/one', 'GET-http-a-/two']);
    expect(s.keysSync(null, false)).toEqual(['GET-http-b-/one']);
  });

  it('a spilled body is completed with its head and put in place; a discarded one leaves nothing', async () => {
    const s = store();
    const sp = s.spill();
    sp.write(Buffer.from('part one, '));
    sp.write(Buffer.from('part two'));
    await s.commit(sp, 'k', entry('k', ''));
    const w = writer();
    const e = await s.lookup('k', {}, NOW, w);
    expect(e?.body.toString()).toBe('part one, part two');
    const gone = s.spill();
    gone.write(Buffer.from('never stored'));
    gone.discard();
    await until(() => readdirSync(s.dir).length === 1);
    expect(readdirSync(s.dir)).toEqual([variantName('k', [])]);
  });
});

describe('ranges', () => {
  it('parses one byte range; several, or a bad one, are ignored', () => {
    expect(parseRange('bytes=0-4', 10)).toEqual({ start: 0, end: 4 });
    expect(parseRange('bytes=5-', 10)).toEqual({ start: 5, end: 9 });
    expect(parseRange('bytes=-3', 10)).toEqual({ start: 7, end: 9 });
    expect(parseRange('bytes=-30', 10)).toEqual({ start: 0, end: 9 });
    expect(parseRange('bytes=8-100', 10)).toEqual({ start: 8, end: 9 });
    expect(parseRange('bytes=10-', 10)).toBe('unsatisfiable');
    expect(parseRange('bytes=-0', 10)).toBe('unsatisfiable');
    expect(parseRange('bytes=0-1,4-5', 10)).toBeNull();
    expect(parseRange('bytes=5-1', 10)).toBeNull();
    expect(parseRange('items=0-1', 10)).toBeNull();
    expect([rangeStart('bytes=500-'), rangeStart('bytes=-5'), rangeStart('nonsense')]).toEqual([500, 0, 0]);
  });

  it('If-Range: a strong ETag or the exact Last-Modified keeps the range', () => {
    const h = { etag: '"v1"', 'last-modified': 'Sun, 06 Nov 1994 08:49:37 GMT' };
    expect(rangeFor('bytes=0-1', '"v1"', h, 10)).toEqual({ start: 0, end: 1 });
    expect(rangeFor('bytes=0-1', '"v2"', h, 10)).toBeNull();
    expect(rangeFor('bytes=0-1', 'W/"v1"', h, 10)).toBeNull();
    expect(rangeFor('bytes=0-1', 'Sun, 06 Nov 1994 08:49:37 GMT', h, 10)).toEqual({ start: 0, end: 1 });
    expect(rangeFor('bytes=0-1', 'Sun, 06 Nov 1994 08:49:38 GMT', h, 10)).toBeNull();
  });
});
