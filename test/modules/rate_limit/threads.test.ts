// Four worker threads decide on the same zone's shared memory at once, as
// request workers do: per key, exactly `events` events are allowed in total,
// however the threads interleave (the bucket spinlocks hold), and none is lost.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { Worker } from 'node:worker_threads';
import { build } from 'esbuild';
import { afterAll, describe, expect, it } from 'vitest';
import { zoneLayout } from '../../../src/modules/rate_limit/window_table.js';

const dir = mkdtempSync(join(tmpdir(), 'tsweb-rl-threads-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const WORKER = `
const { parentPort, workerData } = require('node:worker_threads');
const { WindowTable } = require(workerData.module);
const { layout, buffer, keys, tries, start } = workerData;
const t = new WindowTable(layout, buffer, 0, 60_000);
// Start together, so the threads contend for the same buckets.
const gate = new Int32Array(start);
Atomics.add(gate, 1, 1);
Atomics.wait(gate, 0, 0);
const allowed = new Array(keys).fill(0);
const now = Date.now();
for (let i = 0; i < tries; i++) {
  const k = i % keys;
  if (t.when('client-' + k, now) === 0) allowed[k]++;
}
parentPort.postMessage(allowed);
`;

describe('rate_limit across threads', () => {
  it('4 threads × 20,000 decisions on 10 keys: each key gets exactly `events` allowed', async () => {
    const bundle = join(dir, 'window_table.cjs');
    await build({ entryPoints: [resolve(import.meta.dirname, '../../../src/modules/rate_limit/window_table.ts')], bundle: true, platform: 'node', format: 'cjs', outfile: bundle, logLevel: 'silent' });
    const workerFile = join(dir, 'worker.cjs');
    writeFileSync(workerFile, WORKER);
    const events = 1999;
    const keys = 10;
    const layout = zoneLayout(events);
    const buffer = new SharedArrayBuffer(layout.bytes);
    const start = new SharedArrayBuffer(8);
    const gate = new Int32Array(start);
    const running = Promise.all(
      Array.from(
        { length: 4 },
        () =>
          new Promise<number[]>((res, rej) => {
            const w = new Worker(workerFile, { workerData: { module: bundle, layout, buffer, keys, tries: 20_000, start } });
            w.once('message', (m: number[]) => {
              res(m);
              void w.terminate();
            });
            w.once('error', rej);
          }),
      ),
    );
    while (Atomics.load(gate, 1) < 4) await new Promise((r) => setTimeout(r, 5));
    Atomics.store(gate, 0, 1);
    Atomics.notify(gate, 0);
    const results = await running;
    const total = new Array(keys).fill(0);
    for (const r of results) r.forEach((n, k) => (total[k] += n));
    expect(total).toEqual(new Array(keys).fill(events));
  }, 60_000);
});
