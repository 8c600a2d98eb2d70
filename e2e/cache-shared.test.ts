// The executable with `workers 2` and one cache store shared by both
// workers: what one worker stored the other answers from, concurrent misses
// in both workers make one upstream request, lock_timeout bounds the wait,
// and the admin API lists and purges (by surrogate key too) once for both.
// The backend counts what reaches it; `{env.TSWEB_WORKER}` says who answered.
import { mkdtempSync, writeFileSync } from 'node:fs';
import { createServer, request } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { ensureBuilt, freePort, killChildren, startCliEnv, until } from './cli-harness.js';

let hits: Array<{ url: string; at: number }> = [];
let delayMs = 0;
const backend = createServer((req, res) => {
  hits.push({ url: req.url ?? '', at: Date.now() });
  setTimeout(() => {
    res.setHeader('Cache-Control', 'max-age=600');
    if (req.url?.startsWith('/tagged')) res.setHeader('Surrogate-Key', `group-${req.url.slice(-1)}`);
    res.end(`origin ${req.url}`);
  }, delayMs);
});
let backendPort = 0;

beforeAll(async () => {
  ensureBuilt();
  await new Promise<void>((r) => backend.listen(0, '127.0.0.1', r));
  backendPort = (backend.address() as AddressInfo).port;
});
afterAll(() => new Promise<void>((r) => backend.close(() => r())));
afterEach(() => {
  killChildren();
  hits = [];
  delayMs = 0;
});

interface Reply {
  status: number;
  worker: string;
  cacheStatus: string;
  body: string;
}

/** One request on a fresh connection (so either worker may take it). */
function call(port: number, path: string, method = 'GET', headers: Record<string, string> = {}): Promise<Reply> {
  return new Promise((res, rej) => {
    const req = request({ host: '127.0.0.1', port, path, method, agent: false, headers: { connection: 'close', ...headers } }, (r) => {
      let body = '';
      r.setEncoding('utf8');
      r.on('data', (d: string) => (body += d));
      r.on('end', () => res({ status: r.statusCode ?? 0, worker: String(r.headers['x-worker']), cacheStatus: String(r.headers['cache-status']), body }));
    });
    req.on('error', rej);
    req.end();
  });
}

async function start(cacheOptions = ''): Promise<{ port: number; admin: number }> {
  const [port, admin] = [await freePort(), await freePort()];
  const dir = mkdtempSync(join(tmpdir(), 'tsweb-cache-shared-'));
  writeFileSync(
    join(dir, 'Caddyfile'),
    `{\n\tadmin 127.0.0.1:${admin}\n\tworkers 2\n}\n\n:${port} {\n\theader >X-Worker {env.TSWEB_WORKER}\n\tcache {\n${cacheOptions}\t}\n\treverse_proxy 127.0.0.1:${backendPort}\n}\n`,
  );
  const p = startCliEnv(['run', '--config', 'Caddyfile'], dir, {});
  await until(() => p.stderr().includes('serving initial configuration'), 'startup', 20000);
  return { port, admin };
}

describe('workers 2 share one cache store', () => {
  it('sequential requests spread over both workers reach the upstream once; both answer hits; the admin API lists and purges once', async () => {
    const { port, admin } = await start();
    const replies: Reply[] = [];
    // Fresh connections until both workers have answered (a few suffice; the kernel spreads them by hash).
    for (let i = 0; i < 300 && (new Set(replies.map((r) => r.worker)).size < 2 || replies.length < 10); i++) replies.push(await call(port, '/page'));
    expect(new Set(replies.map((r) => r.worker))).toEqual(new Set(['1', '2']));
    expect(hits.filter((h) => h.url === '/page')).toHaveLength(1);
    expect(replies[0]!.cacheStatus).toContain('fwd=uri-miss; stored');
    expect(replies.every((r) => r.body === 'origin /page')).toBe(true);
    for (const w of ['1', '2']) expect(replies.some((r) => r.worker === w && r.cacheStatus.includes('; hit;'))).toBe(true);

    // Surrogate keys: a purge through the supervisor drops the tagged responses for both workers.
    for (const p of ['/tagged-a', '/tagged-b']) await call(port, p);
    const souin = (path: string, method = 'GET', headers: Record<string, string> = {}) => call(admin, `/souin-api/souin${path}`, method, headers);
    const key = (p: string) => `GET-http-127.0.0.1:${port}-${p}`;
    expect(JSON.parse((await souin('')).body)).toEqual([key('/page'), key('/tagged-a'), key('/tagged-b')]);
    const purged = await souin('', 'PURGE', { 'Surrogate-Key': 'group-a' });
    expect(purged.status).toBe(200);
    expect(JSON.parse(purged.body)).toEqual([key('/tagged-a')]);
    expect(JSON.parse((await souin('')).body)).toEqual([key('/page'), key('/tagged-b')]);
    const after: Reply[] = [];
    for (let i = 0; i < 300 && new Set(after.map((r) => r.worker)).size < 2; i++) after.push(await call(port, '/tagged-a'));
    expect(after[0]!.cacheStatus).toContain('fwd=uri-miss');
    // The others from what it stored (collapsed when they came as it was finishing).
    expect(after.slice(1).every((r) => r.cacheStatus.includes('; hit;') || r.cacheStatus.includes('collapsed'))).toBe(true);
    expect(hits.filter((h) => h.url === '/tagged-a')).toHaveLength(2);
    expect(hits.filter((h) => h.url === '/tagged-b')).toHaveLength(1);
  }, 90000);

  it('20 concurrent misses spread over both workers make one upstream request', async () => {
    const { port } = await start();
    delayMs = 1_000;
    const all = await Promise.all(Array.from({ length: 20 }, () => call(port, '/slow')));
    expect(hits.filter((h) => h.url === '/slow')).toHaveLength(1);
    expect(all.every((r) => r.status === 200 && r.body === 'origin /slow')).toBe(true);
    expect(new Set(all.map((r) => r.worker))).toEqual(new Set(['1', '2']));
    expect(all.filter((r) => r.cacheStatus.includes('fwd=uri-miss; stored'))).toHaveLength(1);
    // The others waited for that fetch, in its worker or the other one (a straggler on a slow machine may come after it: a hit).
    const waited = all.filter((r) => r.cacheStatus.includes('fwd=uri-miss; collapsed'));
    expect(waited.length + all.filter((r) => r.cacheStatus.includes('; hit;')).length).toBe(19);
    expect(new Set(waited.map((r) => r.worker))).toEqual(new Set(['1', '2']));
  }, 90000);

  it('an upstream slower than lock_timeout: the waiting requests, in either worker, fetch for themselves once it has passed', async () => {
    const { port } = await start('\t\tlock_timeout 400ms\n');
    delayMs = 3_000;
    const first = call(port, '/slower');
    await until(() => hits.length === 1, 'first fetch', 5000);
    const t = Date.now();
    const rest = await Promise.all(Array.from({ length: 10 }, () => call(port, '/slower')));
    await first;
    expect(new Set(rest.map((r) => r.worker))).toEqual(new Set(['1', '2']));
    expect(rest.every((r) => r.status === 200 && r.body === 'origin /slower')).toBe(true);
    expect(hits).toHaveLength(11);
    // After lock_timeout, well before the first fetch's 3 s were over.
    const later = hits.slice(1).map((h) => h.at - t);
    expect(Math.min(...later)).toBeGreaterThanOrEqual(300);
    expect(Math.max(...later)).toBeLessThan(2_500);
  }, 90000);
});
