// The memory store every worker shares (src/modules/cache/shared_store.ts):
// LRU order within the budget, Vary variants, replace/delete/keys/tags, and
// several views of one SharedArrayBuffer — in this thread and in real
// worker threads putting and reading at once — never seeing a torn entry.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { Worker } from 'node:worker_threads';
import { build } from 'esbuild';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Timing } from '../../../src/modules/cache/freshness.js';
import { BLOCK_BYTES, storeLayout, type StoreLayout } from '../../../src/modules/cache/shared_layout.js';
import { SharedStore } from '../../../src/modules/cache/shared_store.js';
import type { Entry } from '../../../src/modules/cache/store.js';

const dir = mkdtempSync(join(tmpdir(), 'tsweb-shared-store-'));
let bundle = '';
beforeAll(async () => {
  bundle = join(dir, 'shared_store.cjs');
  await build({ entryPoints: [resolve(import.meta.dirname, '../../../src/modules/cache/shared_store.ts')], bundle: true, platform: 'node', format: 'cjs', outfile: bundle, logLevel: 'silent' });
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const NOW = 1_800_000_000_000;

function timing(lifetimeMs = 60_000): Timing {
  return { responseTime: NOW, initialAgeMs: 0, lifetimeMs, swrMs: 0, sieMs: 0, mustRevalidate: false, noCache: false };
}

function entry(body: string | Buffer, opts: { vary?: Array<[string, string]>; tags?: string; dropAt?: number; status?: number } = {}): Entry {
  const b = typeof body === 'string' ? Buffer.from(body) : body;
  const headers: Entry['headers'] = { 'content-type': 'text/plain', 'cache-control': 'max-age=60' };
  if (opts.tags !== undefined) headers['surrogate-key'] = opts.tags;
  return { status: opts.status ?? 200, headers, body: b, vary: opts.vary ?? [], timing: timing(), dropAt: opts.dropAt ?? NOW + 60_000, size: b.length + 200 };
}

function store(budget: number): { s: SharedStore; layout: StoreLayout; buffer: SharedArrayBuffer } {
  const layout = storeLayout(budget);
  const buffer = new SharedArrayBuffer(layout.bytes);
  return { s: new SharedStore(layout, buffer, 0), layout, buffer };
}

const bodyOf = (s: SharedStore, key: string): string | undefined => s.variants(key, NOW)?.[0]?.body.toString();

describe('SharedStore in one thread', () => {
  it('answers what was put, with its head, and nothing for another key', () => {
    const { s } = store(64 << 10);
    expect(s.put('GET-http-a-/x', entry('hello', { status: 203 }))).toBe(true);
    const [e] = s.variants('GET-http-a-/x', NOW)!;
    expect(e!.body.toString()).toBe('hello');
    expect(e!.status).toBe(203);
    expect(e!.headers).toEqual({ 'content-type': 'text/plain', 'cache-control': 'max-age=60' });
    expect(e!.timing).toEqual(timing());
    expect(s.variants('GET-http-a-/y', NOW)).toBeUndefined();
    expect(s.size).toBe(1);
    expect(s.bytes).toBe(BLOCK_BYTES);
  });

  it('a body handed out is a copy: another put reusing the blocks does not change it', () => {
    const { s, buffer } = store(BLOCK_BYTES * 8);
    s.put('k1', entry('a'.repeat(1000)));
    // A second view: no decoded copy of its own, so it reads shared memory.
    const other = new SharedStore(storeLayout(BLOCK_BYTES * 8), buffer, 0);
    const got = other.variants('k1', NOW)![0]!;
    expect(got.body.buffer).not.toBeInstanceOf(SharedArrayBuffer);
    s.delete('k1');
    s.put('k2', entry('b'.repeat(1000)));
    expect(got.body.toString()).toBe('a'.repeat(1000));
  });

  it('evicts the least recently used responses to make room, a hit counting as a use', () => {
    // 8 blocks; each response takes 2 (a body of 700 bytes with its head).
    const { s } = store(BLOCK_BYTES * 8);
    for (const k of ['/1', '/2', '/3', '/4']) expect(s.put(k, entry('.'.repeat(700)))).toBe(true);
    expect(s.bytes).toBe(8 * BLOCK_BYTES);
    expect(bodyOf(s, '/1')).toBeDefined();
    s.put('/5', entry('.'.repeat(700)));
    // /2 was the least recently used: /1 had a hit. (keys() is no use.)
    expect([...s.keys()].sort()).toEqual(['/1', '/3', '/4', '/5']);
    // A response needing 3 blocks evicts two (the LRU: /3, then /4).
    s.put('/6', entry('.'.repeat(1300)));
    expect([...s.keys()].sort()).toEqual(['/1', '/5', '/6']);
    expect(s.check()).toMatchObject({ records: 3, blocks: 7 });
  });

  it('does not store a response larger than the whole budget, and keeps the others', () => {
    const { s } = store(BLOCK_BYTES * 4);
    s.put('/small', entry('x'));
    expect(s.put('/big', entry(Buffer.alloc(BLOCK_BYTES * 4)))).toBe(false);
    expect(bodyOf(s, '/small')).toBe('x');
  });

  it('keeps Vary variants newest first; the same Vary values replace the old variant', () => {
    const { s } = store(64 << 10);
    s.put('k', entry('en', { vary: [['accept-language', 'en']] }));
    s.put('k', entry('fr', { vary: [['accept-language', 'fr']] }));
    expect(s.variants('k', NOW)!.map((e) => e.body.toString())).toEqual(['fr', 'en']);
    expect(s.variants('k', NOW)![0]!.vary).toEqual([['accept-language', 'fr']]);
    s.put('k', entry('en2', { vary: [['accept-language', 'en']] }));
    expect(s.variants('k', NOW)!.map((e) => e.body.toString())).toEqual(['en2', 'fr']);
    expect(s.size).toBe(2);
    expect([...s.keys()]).toEqual(['k']);
    // replace (a 304 refreshed it) is a put of the same variant.
    const old = s.variants('k', NOW)![1]!;
    s.replace('k', old, entry('fr-refreshed', { vary: [['accept-language', 'fr']] }));
    expect(s.variants('k', NOW)!.map((e) => e.body.toString())).toEqual(['fr-refreshed', 'en2']);
    expect(s.delete('k')).toBe(true);
    expect(s.delete('k')).toBe(false);
    expect(s.variants('k', NOW)).toBeUndefined();
    expect(s.check()).toMatchObject({ records: 0, blocks: 0 });
  });

  it('drops a response once past dropAt', () => {
    const { s } = store(64 << 10);
    s.put('k', entry('soon gone', { dropAt: NOW + 1000 }));
    expect(s.variants('k', NOW + 999)).toHaveLength(1);
    expect(s.variants('k', NOW + 1000)).toBeUndefined();
    expect(s.size).toBe(0);
  });

  it('finds and purges by Surrogate-Key tags, comma or space separated', () => {
    const { s } = store(64 << 10);
    s.put('/a', entry('a', { tags: 'blog, post-1' }));
    s.put('/b', entry('b', { tags: 'blog post-2' }));
    s.put('/c', entry('c', { tags: 'shop' }));
    s.put('/d', entry('d'));
    expect(s.tagged(new Set(['blog']), false).sort()).toEqual(['/a', '/b']);
    expect(s.tagged(new Set(['post-2', 'shop']), true).sort()).toEqual(['/b', '/c']);
    expect([...s.keys()].sort()).toEqual(['/a', '/d']);
    expect(s.tagged(new Set(['nothing']), true)).toEqual([]);
  });

  it('clear empties it; a body on disk (an open file) is not put in shared memory', () => {
    const { s } = store(64 << 10);
    s.put('/a', entry('a'));
    s.clear();
    expect(s.variants('/a', NOW)).toBeUndefined();
    expect(s.check()).toMatchObject({ records: 0, blocks: 0 });
    expect(s.put('/f', { ...entry(''), file: { path: '/x', length: 10 } } as Entry)).toBe(false);
  });

  it('stays within the budget and consistent through 20,000 puts of random sizes', () => {
    const budget = 256 << 10;
    const { s, layout } = store(budget);
    let seed = 42;
    const rnd = (n: number) => ((seed = (Math.imul(seed, 1103515245) + 12345) >>> 0) % n);
    for (let i = 0; i < 20_000; i++) {
      const k = `/k${rnd(3000)}`;
      if (rnd(10) === 0) s.delete(k);
      else s.put(k, entry(`${k}|`.padEnd(rnd(6000), '#'), { vary: rnd(4) === 0 ? [['accept', String(rnd(3))]] : [] }));
      if (s.bytes > budget) throw new Error(`over budget after ${i}: ${s.bytes}`);
    }
    const c = s.check();
    expect(c.blocks * BLOCK_BYTES).toBeLessThanOrEqual(layout.blocks * BLOCK_BYTES);
    expect(c.lru).toBe(c.records);
    expect(c.chained).toBe(c.records);
    // The records left all read back as what was put under their key.
    for (const k of s.keys()) for (const e of s.variants(k, NOW)!) expect(e.body.toString().startsWith(`${k}|`) || e.body.length < k.length + 1).toBe(true);
  });

  it('two views of one buffer see each other\'s puts, replaces and deletes (never a stale decoded copy)', () => {
    const { s: a, layout, buffer } = store(64 << 10);
    const b = new SharedStore(layout, buffer, 0);
    a.put('k', entry('v1'));
    expect(bodyOf(b, 'k')).toBe('v1');
    b.put('k', entry('v2'));
    expect(bodyOf(a, 'k')).toBe('v2');
    a.delete('k');
    expect(b.variants('k', NOW)).toBeUndefined();
    // The last one to let go empties it.
    expect(a.addRef()).toBe(1);
    expect(b.addRef()).toBe(2);
    a.put('k', entry('v3'));
    a.release();
    expect(bodyOf(b, 'k')).toBe('v3');
    b.release();
    expect(a.variants('k', NOW)).toBeUndefined();
  });

  it('a lock left held (its thread terminated inside) is taken over after 2 s, and the store starts empty', () => {
    const { s, buffer } = store(64 << 10);
    s.put('k', entry('v'));
    let resets = 0;
    s.onReset = () => resets++;
    Atomics.store(new Int32Array(buffer), 0, 1);
    const t = Date.now();
    expect(s.variants('k', NOW)).toBeUndefined();
    expect(Date.now() - t).toBeGreaterThanOrEqual(2_000);
    expect(resets).toBe(1);
    expect(s.put('k', entry('again'))).toBe(true);
    expect(bodyOf(s, 'k')).toBe('again');
  }, 15_000);
});

/** A worker thread running `src` with the store's bundle as `mod`, the buffer and options in workerData. */
function thread(src: string, data: Record<string, unknown>): Promise<unknown> {
  const file = join(dir, `w-${Math.random().toString(36).slice(2)}.cjs`);
  writeFileSync(file, `const { parentPort, workerData } = require('node:worker_threads');\nconst mod = require(workerData.bundle);\n${src}`);
  return new Promise((res, rej) => {
    const w = new Worker(file, { workerData: { bundle, ...data } });
    w.once('message', (m) => {
      res(m);
      void w.terminate();
    });
    w.once('error', rej);
  });
}

describe('SharedStore across worker threads', () => {
  it('a response put in one thread is read in another, and the other way round', async () => {
    const { s, layout, buffer } = store(64 << 10);
    s.put('from-main', entry('main body', { tags: 't1' }));
    const got = await thread(
      `
      const s = new mod.SharedStore(workerData.layout, workerData.buffer, 0);
      const e = s.variants('from-main', workerData.now)[0];
      s.put('from-thread', { ...e, body: Buffer.from('thread body'), headers: { 'x-from': 'thread' } });
      parentPort.postMessage(e.body.toString());
      `,
      { layout, buffer, now: NOW },
    );
    expect(got).toBe('main body');
    const e = s.variants('from-thread', NOW)![0]!;
    expect([e.body.toString(), e.headers['x-from']]).toEqual(['thread body', 'thread']);
  });

  it('2 threads putting, reading and deleting 300 keys in a small budget for 1.5 s: no torn entry, nothing leaked', async () => {
    const budget = 96 << 10;
    const { s, layout, buffer } = store(budget);
    const start = new SharedArrayBuffer(8);
    const work = `
      const s = new mod.SharedStore(workerData.layout, workerData.buffer, 0);
      const gate = new Int32Array(workerData.start);
      Atomics.add(gate, 1, 1);
      Atomics.wait(gate, 0, 0);
      let seed = workerData.seed, ops = 0, reads = 0, torn = 0, over = 0;
      const rnd = (n) => ((seed = (Math.imul(seed, 1103515245) + 12345) >>> 0) % n);
      const t = { responseTime: workerData.now, initialAgeMs: 0, lifetimeMs: 60000, swrMs: 0, sieMs: 0, mustRevalidate: false, noCache: false };
      const end = Date.now() + workerData.ms;
      while (Date.now() < end) {
        for (let i = 0; i < 200; i++, ops++) {
          const k = '/k' + rnd(300);
          const op = rnd(10);
          if (op < 4) {
            const n = rnd(5000);
            const fill = String.fromCharCode(97 + rnd(26));
            const body = Buffer.from(k + '|' + fill.repeat(n));
            s.put(k, { status: 200, headers: { 'x-len': String(body.length), 'x-key': k, 'x-fill': fill }, body, vary: rnd(3) === 0 ? [['accept', fill]] : [], timing: t, dropAt: workerData.now + 60000, size: 0 });
          } else if (op < 9) {
            const vs = s.variants(k, workerData.now);
            if (vs) for (const e of vs) {
              reads++;
              const b = e.body.toString();
              const fill = e.headers['x-fill'];
              // Head and body must be one put's: its key, its length, its fill byte throughout.
              if (e.headers['x-key'] !== k || Number(e.headers['x-len']) !== e.body.length || !b.startsWith(k + '|') || b.slice(k.length + 1).split('').some((c) => c !== fill)) torn++;
            }
          } else s.delete(k);
          if (s.bytes > workerData.budget) over++;
        }
      }
      parentPort.postMessage({ ops, reads, torn, over });
    `;
    const runs = [1, 2].map((seed) => thread(work, { layout, buffer, start, seed, now: NOW, ms: 1_500, budget }));
    const gate = new Int32Array(start);
    while (Atomics.load(gate, 1) < 2) await new Promise((r) => setTimeout(r, 5));
    Atomics.store(gate, 0, 1);
    Atomics.notify(gate, 0);
    const results = (await Promise.all(runs)) as Array<{ ops: number; reads: number; torn: number; over: number }>;
    for (const r of results) {
      expect(r.torn).toBe(0);
      expect(r.over).toBe(0);
      expect(r.reads).toBeGreaterThan(100);
    }
    const c = s.check();
    expect(c.lru).toBe(c.records);
    expect(c.chained).toBe(c.records);
    expect(c.blocks * BLOCK_BYTES).toBeLessThanOrEqual(budget);
  }, 30_000);
});
