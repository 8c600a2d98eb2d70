// The cache lock across workers (src/modules/cache/fetch_marks.ts): one
// holder per key, waiters woken by the release (in another thread too),
// and a mark whose holder died holding nobody up past lock_timeout.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { threadId, Worker } from 'node:worker_threads';
import { build } from 'esbuild';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FetchMarks, MARKS_BYTES } from '../../../src/modules/cache/fetch_marks.js';

const dir = mkdtempSync(join(tmpdir(), 'tsweb-fetch-marks-'));
let bundle = '';
beforeAll(async () => {
  bundle = join(dir, 'fetch_marks.cjs');
  await build({ entryPoints: [resolve(import.meta.dirname, '../../../src/modules/cache/fetch_marks.ts')], bundle: true, platform: 'node', format: 'cjs', outfile: bundle, logLevel: 'silent' });
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const fresh = () => new FetchMarks(new SharedArrayBuffer(MARKS_BYTES), 0);

describe('FetchMarks', () => {
  it('one holder per key; a release frees it for the next', () => {
    const m = fresh();
    const now = Date.now();
    const mine = m.take('k', now, 5_000);
    expect(mine.kind).toBe('mine');
    expect(m.take('k', now, 5_000).kind).toBe('held');
    expect(m.take('other', now, 5_000).kind).toBe('mine');
    expect(m.holder('k')).toBe(threadId + 1);
    m.release(mine);
    expect(m.holder('k')).toBe(0);
    expect(m.take('k', now, 5_000).kind).toBe('mine');
  });

  it('a waiter wakes when the holder releases, and gives up at its deadline otherwise', async () => {
    const m = fresh();
    const mine = m.take('k', Date.now(), 5_000);
    const t = Date.now();
    const waited = m.wait('k', t + 5_000, 5_000);
    setTimeout(() => m.release(mine), 100);
    expect(await waited).toBe(true);
    expect(Date.now() - t).toBeLessThan(2_000);

    m.take('k2', Date.now(), 5_000);
    const t2 = Date.now();
    expect(await m.wait('k2', t2 + 200, 5_000)).toBe(false);
    expect(Date.now() - t2).toBeGreaterThanOrEqual(190);
    // Nobody holds it: no wait at all.
    expect(await m.wait('free', Date.now() + 5_000, 5_000)).toBe(true);
  });

  it('a mark left by a thread that died: waiters stop at lock_timeout, and the next miss takes it over', async () => {
    const buffer = new SharedArrayBuffer(MARKS_BYTES);
    const m = new FetchMarks(buffer, 0);
    const file = join(dir, 'holder.cjs');
    writeFileSync(file, `const { parentPort, workerData } = require('node:worker_threads');\nconst { FetchMarks } = require(workerData.bundle);\nconst m = new FetchMarks(workerData.buffer, 0);\nparentPort.postMessage(m.take('k', Date.now(), 400).kind);\nprocess.exit(1);\n`);
    const w = new Worker(file, { workerData: { bundle, buffer } });
    const [kind] = await Promise.all([new Promise((r) => w.once('message', r)), new Promise((r) => w.once('exit', r))]);
    expect(kind).toBe('mine');
    expect(m.holder('k')).not.toBe(0);
    const t = Date.now();
    expect(m.take('k', t, 400).kind).toBe('held');
    // The waiter gives up by lock_timeout (here 400 ms), not waiting for a release that never comes.
    expect(await m.wait('k', t + 400, 400)).toBe(false);
    expect(Date.now() - t).toBeLessThan(3_000);
    expect(m.take('k', Date.now(), 400).kind).toBe('mine');
  });

  it('a release in another thread wakes a waiter here', async () => {
    const buffer = new SharedArrayBuffer(MARKS_BYTES);
    const m = new FetchMarks(buffer, 0);
    const gate = new SharedArrayBuffer(8);
    const file = join(dir, 'releaser.cjs');
    writeFileSync(
      file,
      `const { parentPort, workerData } = require('node:worker_threads');\nconst { FetchMarks } = require(workerData.bundle);\nconst m = new FetchMarks(workerData.buffer, 0);\nconst mark = m.take('k', Date.now(), 10000);\nconst g = new Int32Array(workerData.gate);\nAtomics.store(g, 0, 1);\nAtomics.wait(g, 1, 0, 10000);\nm.release(mark);\nparentPort.postMessage('released');\n`,
    );
    const w = new Worker(file, { workerData: { bundle, buffer, gate } });
    const g = new Int32Array(gate);
    while (Atomics.load(g, 0) === 0) await new Promise((r) => setTimeout(r, 5));
    const t = Date.now();
    const waited = m.wait('k', t + 10_000, 10_000);
    setTimeout(() => {
      Atomics.store(g, 1, 1);
      Atomics.notify(g, 1);
    }, 150);
    expect(await waited).toBe(true);
    expect(Date.now() - t).toBeLessThan(5_000);
    await new Promise((r) => w.once('exit', r));
  });
});
