// `workers N`: a supervisor and request workers, seen from the outside over
// real sockets. The workers run the built bundle (dist/tsweb.cjs), as they
// do in production; each answers with its number ({env.TSWEB_WORKER}).
import { existsSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { connect, type Socket } from 'node:net';
import { join, resolve } from 'node:path';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { EngineLog } from '../../src/core/log.js';
import { LoadError } from '../../src/runtime/runtime.js';
import { Supervisor, type WorkerDesign, workersOf } from '../../src/runtime/supervisor.js';
import { freePort } from '../support/free_port.js';

const bundle = join(resolve(import.meta.dirname, '..', '..'), 'dist', 'tsweb.cjs');

beforeAll(() => {
  if (!existsSync(bundle)) throw new Error('dist/tsweb.cjs is missing: run `node scripts/build.mjs` first');
});

function config(port: number | string, body: string, workers: number | string = 2): Record<string, unknown> {
  return {
    apps: {
      http: {
        workers,
        servers: { srv0: { listen: [`127.0.0.1:${port}`], routes: [{ handle: [{ handler: 'static_response', body: `${body} w{env.TSWEB_WORKER}` }] }] } },
      },
    },
  };
}

const lines: string[] = [];
const log: EngineLog = (level, _logger, msg, fields) => void lines.push(`${level} ${msg} ${JSON.stringify(fields ?? {})}`);

let sup: Supervisor | null = null;
const sockets: Socket[] = [];
afterEach(async () => {
  for (const s of sockets.splice(0)) s.destroy();
  await sup?.stop();
  sup = null;
  lines.length = 0;
});

function start(design: WorkerDesign): Supervisor {
  sup = new Supervisor({ log, design, entry: { file: bundle } });
  return sup;
}

/** A keep-alive connection that sends requests one at a time and returns each body. */
function client(port: number): Promise<{ get: () => Promise<string>; closed: Promise<void> }> {
  return new Promise((res, rej) => {
    const sock = connect(port, '127.0.0.1');
    sockets.push(sock);
    let buf = '';
    let waiting: ((body: string) => void) | null = null;
    const closed = new Promise<void>((r) => sock.once('close', () => r()));
    sock.setEncoding('utf8');
    sock.on('data', (d: string) => {
      buf += d;
      const head = buf.indexOf('\r\n\r\n');
      const len = /content-length: (\d+)/i.exec(buf);
      if (head < 0 || len === null || buf.length < head + 4 + Number(len[1])) return;
      const body = buf.slice(head + 4, head + 4 + Number(len[1]));
      buf = buf.slice(head + 4 + Number(len[1]));
      waiting?.(body);
    });
    sock.on('error', () => {});
    sock.once('connect', () =>
      res({
        get: () =>
          new Promise<string>((r, j) => {
            waiting = r;
            sock.once('close', () => j(new Error('connection closed')));
            sock.write('GET / HTTP/1.1\r\nHost: x\r\n\r\n');
          }),
        closed,
      }),
    );
    sock.once('error', rej);
  });
}

/** Fresh connections until every worker in `want` has answered one; their clients by body. */
async function reachAll(port: number, want: string[]): Promise<Map<string, Awaited<ReturnType<typeof client>>>> {
  const seen = new Map<string, Awaited<ReturnType<typeof client>>>();
  for (let i = 0; i < 200 && want.some((w) => !seen.has(w)); i++) {
    const c = await client(port);
    const body = await c.get();
    if (!seen.has(body)) seen.set(body, c);
  }
  return seen;
}

async function until(cond: () => boolean | Promise<boolean>, ms = 15000): Promise<void> {
  const end = Date.now() + ms;
  while (Date.now() < end) {
    if (await cond()) return;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error('timed out');
}

describe('workersOf', () => {
  it('reads apps.http.workers: absent is 1, auto is the cores, nonsense is refused', () => {
    expect(workersOf({})).toBe(1);
    // With an http app, absent is auto.
    expect(workersOf({ apps: { http: {} } })).toBe(availableParallelism());
    expect(workersOf({ apps: { http: { workers: 3 } } })).toBe(3);
    expect(workersOf({ apps: { http: { workers: 'auto' } } })).toBeGreaterThanOrEqual(1);
    expect(() => workersOf({ apps: { http: { workers: 0 } } })).toThrow(/positive integer or "auto"/);
    expect(() => workersOf({ apps: { http: { workers: '2' } } })).toThrow(/positive integer/);
  });
});

describe.each(['thread', 'process'] as const)('Supervisor (%s workers)', (design) => {
  it('serves from both workers and replaces a killed one while the other keeps its connections', async () => {
    const port = await freePort();
    const s = start(design);
    await s.load(config(port, 'v1'));
    expect(s.workerIds().sort()).toEqual([1, 2]);
    expect(s.addresses().get('srv0')).toEqual([`127.0.0.1:${port}`]);
    const seen = await reachAll(port, ['v1 w1', 'v1 w2']);
    expect([...seen.keys()].sort()).toEqual(['v1 w1', 'v1 w2']);

    s.killWorker(2);
    await seen.get('v1 w2')!.closed;
    // The survivor's keep-alive connection still works.
    expect(await seen.get('v1 w1')!.get()).toBe('v1 w1');
    await until(() => lines.some((l) => l.includes('request worker exited unexpectedly') && l.includes('"worker":2')));
    // The replacement serves the running config.
    await until(() => lines.some((l) => l.includes('request worker serving') && l.includes('"worker":2')));
    const again = await reachAll(port, ['v1 w2']);
    expect(again.has('v1 w2')).toBe(true);
    expect(await seen.get('v1 w1')!.get()).toBe('v1 w1');
  }, 40000);
});

describe('Supervisor reloads (thread workers)', () => {
  it('a reload reaches every worker; a config one worker refuses leaves all on the old one', async () => {
    const port = await freePort();
    const s = start('thread');
    await s.load(config(port, 'v1'));
    await s.load(config(port, 'v2'));
    const seen = await reachAll(port, ['v2 w1', 'v2 w2']);
    expect([...seen.keys()].sort()).toEqual(['v2 w1', 'v2 w2']);

    // Refused by every worker.
    const bad = config(port, 'v3');
    ((bad.apps as { http: { servers: { srv0: { routes: unknown[] } } } }).http.servers.srv0.routes[0] as { handle: unknown[] }).handle = [{ handler: 'no_such_handler' }];
    await expect(s.load(bad)).rejects.toThrow(LoadError);

    // Refused by worker 1 only: a listener port range that ends before it starts
    // there ("P-<P/10>{worker}" with P ending in 2 is P-(P-1) for worker 1, P-P for worker 2).
    const p = port - (port % 10) + 2;
    const split = config(port, 'v4');
    const srv0 = (split.apps as { http: { servers: { srv0: { listen: string[] } } } }).http.servers.srv0;
    srv0.listen.push(`127.0.0.1:${p}-${Math.floor(p / 10)}{env.TSWEB_WORKER}`);
    await expect(s.load(split)).rejects.toThrow(LoadError);

    for (const c of seen.values()) expect(await c.get()).toMatch(/^v2 w[12]$/);
    const fresh = await reachAll(port, ['v2 w1', 'v2 w2']);
    expect([...fresh.keys()].sort()).toEqual(['v2 w1', 'v2 w2']);
    expect(s.config).toEqual(config(port, 'v2'));
  }, 40000);

  it('follows a change of `workers` at reload: more workers start with the running config, extra ones stop', async () => {
    const port = await freePort();
    const s = start('thread');
    await s.load(config(port, 'v1', 1));
    expect(s.workerIds()).toEqual([1]);
    await s.load(config(port, 'v2', 2));
    expect(s.workerIds().sort()).toEqual([1, 2]);
    expect([...(await reachAll(port, ['v2 w1', 'v2 w2'])).keys()].sort()).toEqual(['v2 w1', 'v2 w2']);
    await s.load(config(port, 'v3', 1));
    expect(s.workerIds()).toEqual([1]);
    expect(await (await client(port)).get()).toBe('v3 w1');
  }, 40000);

  it('stops every worker on stop()', async () => {
    const port = await freePort();
    const s = start('thread');
    await s.load(config(port, 'v1'));
    await s.stop();
    sup = null;
    expect(s.workerIds()).toEqual([]);
    await expect(client(port)).rejects.toThrow();
  }, 40000);
});
