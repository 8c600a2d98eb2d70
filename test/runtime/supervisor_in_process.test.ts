// `workers 1` under the supervisor (what `tsweb run` does): the one worker
// serves from this thread, and a reload to 2 workers and back needs no
// restart. The threads run the built bundle (dist/tsweb.cjs).
import { existsSync } from 'node:fs';
import { request } from 'node:http';
import { join, resolve } from 'node:path';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { Supervisor } from '../../src/runtime/supervisor.js';
import { freePort } from '../support/free_port.js';

const bundle = join(resolve(import.meta.dirname, '..', '..'), 'dist', 'tsweb.cjs');

beforeAll(() => {
  if (!existsSync(bundle)) throw new Error('dist/tsweb.cjs is missing: run `node scripts/build.mjs` first');
});

let sup: Supervisor | null = null;
afterEach(async () => {
  await sup?.stop();
  sup = null;
});

function config(port: number, body: string, workers: number): Record<string, unknown> {
  return { apps: { http: { workers, servers: { srv0: { listen: [`127.0.0.1:${port}`], routes: [{ handle: [{ handler: 'static_response', body: `${body} w{env.TSWEB_WORKER}` }] }] } } } } };
}

function get(port: number): Promise<string> {
  return new Promise((res, rej) => {
    const req = request({ host: '127.0.0.1', port, agent: false, headers: { connection: 'close' } }, (r) => {
      let b = '';
      r.setEncoding('utf8');
      r.on('data', (d: string) => (b += d));
      r.on('end', () => res(b));
    });
    req.on('error', rej);
    req.end();
  });
}

async function seen(port: number, want: string[]): Promise<string[]> {
  const got = new Set<string>();
  for (let i = 0; i < 200 && want.some((w) => !got.has(w)); i++) got.add(await get(port));
  return [...got].sort();
}

describe('Supervisor with an in-process worker', () => {
  it('serves workers 1 from this thread, grows to 2 threads and shrinks back at reload', async () => {
    const port = await freePort();
    sup = new Supervisor({ design: 'thread', entry: { file: bundle }, inProcess: { env: {} } });
    await sup.load(config(port, 'v1', 1));
    expect(sup.workerIds()).toEqual([0]);
    // No TSWEB_WORKER: the process serves, as tsweb without workers did.
    expect(await get(port)).toBe('v1 w');

    await sup.load(config(port, 'v2', 2));
    expect(sup.workerIds().sort()).toEqual([1, 2]);
    expect(await seen(port, ['v2 w1', 'v2 w2'])).toEqual(['v2 w1', 'v2 w2']);

    await sup.load(config(port, 'v3', 1));
    expect(sup.workerIds()).toEqual([0]);
    for (let i = 0; i < 10; i++) expect(await get(port)).toBe('v3 w');
  }, 60000);

  it('a config the in-process worker refuses leaves the running one', async () => {
    const port = await freePort();
    sup = new Supervisor({ design: 'thread', entry: { file: bundle }, inProcess: { env: {} } });
    await sup.load(config(port, 'v1', 1));
    const bad = config(port, 'v2', 1);
    (bad.apps as { http: { servers: { srv0: { routes: Array<{ handle: unknown[] }> } } } }).http.servers.srv0.routes[0]!.handle = [{ handler: 'no_such_handler' }];
    await expect(sup.load(bad)).rejects.toThrow(/no_such_handler/);
    expect(await get(port)).toBe('v1 w');
  }, 30000);
});
