// The executable with `workers 2`: worker threads share one cache store,
// worker processes (TSWEB_WORKERS_DESIGN=process) have one each, and a PURGE
// through the admin API (Souin's /souin-api/souin) reaches every store —
// after it, the next request is a miss counted at the backend.
import { mkdtempSync, writeFileSync } from 'node:fs';
import { createServer, request } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { ensureBuilt, freePort, killChildren, startCliEnv, until } from './cli-harness.js';

let hits: string[] = [];
const backend = createServer((req, res) => {
  hits.push(req.url ?? '');
  res.setHeader('Cache-Control', 'max-age=600');
  res.end(`origin ${req.url}`);
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
});

interface Reply { status: number; worker: string; cacheStatus: string; body: string }

/** One request on a fresh connection (so either worker may take it). */
function call(port: number, path: string, method = 'GET'): Promise<Reply> {
  return new Promise((res, rej) => {
    const req = request({ host: '127.0.0.1', port, path, method, agent: false, headers: { connection: 'close' } }, (r) => {
      let body = '';
      r.setEncoding('utf8');
      r.on('data', (d: string) => (body += d));
      r.on('end', () => res({ status: r.statusCode ?? 0, worker: String(r.headers['x-worker']), cacheStatus: String(r.headers['cache-status']), body }));
    });
    req.on('error', rej);
    req.end();
  });
}

/** Requests `path` until both workers have answered; each worker's first answer. */
async function firstPerWorker(port: number, path: string): Promise<Map<string, Reply>> {
  const first = new Map<string, Reply>();
  for (let i = 0; i < 300 && first.size < 2; i++) {
    const r = await call(port, path);
    if (!first.has(r.worker)) first.set(r.worker, r);
  }
  return first;
}

describe.each([
  ['thread', {}],
  ['process', { TSWEB_WORKERS_DESIGN: 'process' }],
] as const)('workers 2 (%s design)', (design, env) => {
  // Threads share one store (the shared arena): a key is fetched once for both workers; processes keep one store each.
  const stores = design === 'thread' ? 1 : 2;
  /**
   * Each worker's first answer after a purge (or at the start): a miss stored per store, the rest
   * from it (a hit, or collapsed when it came while the other worker was still finishing the fetch).
   */
  const expectMisses = (first: Map<string, Reply>): void => {
    const statuses = [...first.values()].map((r) => r.cacheStatus);
    expect(statuses.filter((c) => c.includes('fwd=uri-miss; stored'))).toHaveLength(stores);
    expect(statuses.filter((c) => c.includes('; hit;') || c.includes('fwd=uri-miss; collapsed'))).toHaveLength(2 - stores);
  };
  it('PURGE by key and by prefix reaches both workers\' stores', async () => {
    const [port, admin] = [await freePort(), await freePort()];
    const dir = mkdtempSync(join(tmpdir(), 'tsweb-cache-purge-'));
    writeFileSync(
      join(dir, 'Caddyfile'),
      `{\n\tadmin 127.0.0.1:${admin}\n\tworkers 2\n}\n\n:${port} {\n\theader >X-Worker {env.TSWEB_WORKER}\n\tcache\n\treverse_proxy 127.0.0.1:${backendPort}\n}\n`,
    );
    const p = startCliEnv(['run', '--config', 'Caddyfile'], dir, env);
    await until(() => p.stderr().includes('serving initial configuration'), 'startup', 20000);

    const paths = ['/a', '/blog/1', '/blog/2'];
    // Fill both workers' stores: one miss per worker per path, then hits.
    for (const path of paths) {
      expectMisses(await firstPerWorker(port, path));
      expect([...(await firstPerWorker(port, path)).values()].map((r) => r.cacheStatus.includes('; hit;'))).toEqual([true, true]);
    }
    expect(hits.length).toBe(3 * stores);
    const key = (path: string) => `GET-http-127.0.0.1:${port}-${path}`;
    const souin = (path: string, method = 'GET') => call(admin, `/souin-api/souin${path}`, method);
    expect(JSON.parse((await souin('')).body)).toEqual(paths.map(key));

    // By key (anchored, `.` escaped and percent-encoded as a URL carries a backslash).
    const one = await souin(`/${encodeURIComponent(`^${key('/a').replace(/\./g, '\\.')}$`)}`, 'PURGE');
    expect(one.status).toBe(200);
    expect(JSON.parse(one.body)).toEqual([key('/a')]);
    expectMisses(await firstPerWorker(port, '/a'));
    expect(hits.filter((h) => h === '/a')).toHaveLength(2 * stores);
    // The others were left alone in both workers.
    for (const r of (await firstPerWorker(port, '/blog/1')).values()) expect(r.cacheStatus).toContain('; hit;');

    // By prefix: both /blog/ keys, in both workers.
    const prefix = await souin(`/^GET-http-127.0.0.1:${port}-/blog/`, 'PURGE');
    expect(JSON.parse(prefix.body)).toEqual([key('/blog/1'), key('/blog/2')]);
    expect(JSON.parse((await souin('')).body)).toEqual([key('/a')]);
    for (const path of ['/blog/1', '/blog/2']) {
      expectMisses(await firstPerWorker(port, path));
    }
    expect(hits.length).toBe(6 * stores);
    expect(p.stderr()).toContain('purged cache keys');

    p.child.kill('SIGTERM');
    expect(await p.exited).toBe(0);
  }, 90000);
});
