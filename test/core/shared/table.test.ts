// The shared table behind upstream state with `workers N`: one entry per key
// whichever thread asks first, counters that add up across threads, and a
// dead worker's share taken back out. Real worker threads, not mocks.
import { Worker } from 'node:worker_threads';
import { describe, expect, it } from 'vitest';
import { SharedTable } from '../../../src/core/shared/table.js';

/** A thread that looks up `keys` in the table and adds `times` to counter 0 of each, as worker `column`. */
function hammer(init: ReturnType<typeof SharedTable.create>, column: number, keys: string[], times: number): Promise<void> {
  // The thread gets the table's code as text: it runs without the TypeScript loader.
  const src = `
    const { workerData, parentPort } = require('node:worker_threads');
    const { init, column, keys, times, tableSource } = workerData;
    const mod = { exports: {} };
    new Function('module', 'exports', 'require', tableSource)(mod, mod.exports, require);
    const table = new mod.exports.SharedTable(init, column);
    const entries = keys.map((k) => table.entry(k));
    for (let i = 0; i < times; i++) for (const e of entries) e.add(0, 1);
    parentPort.postMessage('done');
  `;
  return new Promise((resolve, reject) => {
    const w = new Worker(src, { eval: true, workerData: { init, column, keys, times, tableSource } });
    w.once('message', () => resolve());
    w.once('error', reject);
  });
}

let tableSource = '';

describe('SharedTable', () => {
  it('is one table for every thread: the same key is the same entry, and concurrent adds all count', async () => {
    const { transform } = await import('esbuild');
    const { readFileSync } = await import('node:fs');
    tableSource = (await transform(readFileSync(new URL('../../../src/core/shared/table.ts', import.meta.url), 'utf8'), { loader: 'ts', format: 'cjs' })).code;
    const init = SharedTable.create(64, 4, true);
    const keys = Array.from({ length: 20 }, (_, i) => `upstream 127.0.0.1:${8000 + i}`);
    await Promise.all([1, 2, 3, 4].map((c) => hammer(init, c, keys, 5000)));
    const here = new SharedTable(init, 0);
    for (const k of keys) expect(here.entry(k).total(0)).toBe(20000);
    // 20 keys, 20 entries: nobody claimed a second entry for a key.
    expect(here.isFull).toBe(false);
    for (let i = 0; i < 44; i++) here.entry(`other ${i}`);
    expect(here.isFull).toBe(false);
    here.entry('one too many');
    expect(here.isFull).toBe(true);
  });

  it('takes a dead worker’s share back out of the totals, and only its share', () => {
    const init = SharedTable.create(16, 2, true);
    const w1 = new SharedTable(init, 1).entry('upstream a:1');
    const w2 = new SharedTable(init, 2).entry('upstream a:1');
    w1.add(0, 3); // in flight
    w1.add(1, 1); // a failure whose expiry timer dies with worker 1
    w2.add(0, 2);
    expect([w2.total(0), w2.total(1)]).toEqual([5, 1]);
    new SharedTable(init, 0).clearColumn(1);
    expect([w2.total(0), w2.total(1)]).toEqual([2, 0]);
    w2.add(0, -2);
    expect(w1.total(0)).toBe(0);
  });

  it('plain cells are one value (round_robin positions), and a private table behaves the same', () => {
    for (const shared of [true, false]) {
      const t = new SharedTable(SharedTable.create(8, 1, shared), 1);
      const e = t.entry('round_robin #0');
      expect([e.addCell(0, 1), e.addCell(0, 1), t.entry('round_robin #0').addCell(0, 1)]).toEqual([1, 2, 3]);
      e.setCell(0, 0x7fffffff);
      expect(e.addCell(0, 1) >>> 0).toBe(0x80000000);
    }
  });

  it('keys longer than an entry holds are kept apart by their hash', () => {
    const t = new SharedTable(SharedTable.create(8, 1, false), 1);
    const long = 'unix//' + 'd/'.repeat(100);
    t.entry(`${long}a`).add(0, 1);
    expect(t.entry(`${long}b`).total(0)).toBe(0);
    expect(t.entry(`${long}a`).total(0)).toBe(1);
  });
});
