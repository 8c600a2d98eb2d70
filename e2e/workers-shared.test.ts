// `workers 2` serves as one server (dist/tsweb): round_robin is one
// rotation and least_conn one count across the workers, a failure counted
// by passive health in one worker keeps the other away from that upstream,
// and the admin API's /metrics and /reverse_proxy/upstreams answer for the
// whole server. Every request goes on a fresh connection, so the kernel
// (SO_REUSEPORT) spreads them over both workers; each answer names its
// worker (X-Worker), and the tests check that both took part.
import { mkdtempSync, writeFileSync } from 'node:fs';
import { createServer, request, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { ensureBuilt, freePort, killChildren, type ProcWithOut, startCliEnv, until } from './cli-harness.js';

beforeAll(() => ensureBuilt());

const backends: Server[] = [];
afterEach(async () => {
  killChildren();
  await Promise.all(backends.splice(0).map((b) => new Promise((r) => b.close(r))));
});

interface Answer {
  status: number;
  body: string;
  worker: string;
}

/** One request on a fresh connection. */
function get(port: number, path = '/'): Promise<Answer> {
  return new Promise((res, rej) => {
    const req = request({ host: '127.0.0.1', port, path, agent: false, headers: { connection: 'close' } }, (r) => {
      let body = '';
      r.setEncoding('utf8');
      r.on('data', (d: string) => (body += d));
      r.on('end', () => res({ status: r.statusCode ?? 0, body, worker: String(r.headers['x-worker'] ?? '') }));
    });
    req.on('error', rej);
    req.end();
  });
}

async function backend(handle: (req: IncomingMessage, res: ServerResponse) => void): Promise<number> {
  const s = createServer(handle);
  backends.push(s);
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', r));
  return (s.address() as AddressInfo).port;
}

/** A closed port: dialing it fails at once. */
async function deadPort(): Promise<number> {
  return freePort();
}

function proxyConfig(sitePort: number, adminPort: number, proxy: Record<string, unknown>, workers: number | string = 2): Record<string, unknown> {
  return {
    admin: { listen: `127.0.0.1:${adminPort}` },
    apps: {
      http: {
        workers,
        metrics: {},
        servers: {
          srv0: {
            listen: [`127.0.0.1:${sitePort}`],
            routes: [
              {
                handle: [
                  { handler: 'headers', response: { set: { 'X-Worker': ['{env.TSWEB_WORKER}'] } } },
                  { handler: 'reverse_proxy', ...proxy },
                ],
              },
            ],
          },
        },
      },
    },
  };
}

async function run(config: Record<string, unknown>): Promise<ProcWithOut> {
  const dir = mkdtempSync(join(tmpdir(), 'tsweb-workers-shared-'));
  writeFileSync(join(dir, 'config.json'), JSON.stringify(config));
  const p = startCliEnv(['run', '--config', 'config.json'], dir, {});
  await until(() => p.stderr().includes('serving initial configuration'), 'startup', 20000);
  return p;
}

async function adminText(adminPort: number, path: string): Promise<string> {
  const r = await get(adminPort, path);
  expect(r.status).toBe(200);
  return r.body;
}

async function adminJSON(adminPort: number, path: string): Promise<unknown> {
  return JSON.parse(await adminText(adminPort, path));
}

/** The sum of a metric's samples whose line matches `filter`. */
function metricSum(text: string, name: string, filter: RegExp = /./): number {
  let sum = 0;
  for (const line of text.split('\n')) {
    if (!line.startsWith(`${name}{`) && !line.startsWith(`${name} `)) continue;
    if (!filter.test(line)) continue;
    sum += Number(line.slice(line.lastIndexOf(' ') + 1));
  }
  return sum;
}

describe('workers 2 share what users see as one server', () => {
  it('round_robin: one rotation over the upstreams, whichever worker takes the request', async () => {
    const order: string[] = [];
    const ports: number[] = [];
    for (const name of ['a', 'b', 'c']) {
      ports.push(
        await backend((_req, res) => {
          order.push(name);
          res.end(name);
        }),
      );
    }
    const [sitePort, adminPort] = [await freePort(), await freePort()];
    const p = await run(proxyConfig(sitePort, adminPort, { upstreams: ports.map((x) => ({ dial: `127.0.0.1:${x}` })), load_balancing: { selection_policy: { policy: 'round_robin' } } }));

    const answers: Answer[] = [];
    for (let i = 0; i < 30; i++) answers.push(await get(sitePort));
    expect(answers.every((a) => a.status === 200)).toBe(true);
    expect(new Set(answers.map((a) => a.worker))).toEqual(new Set(['1', '2']));
    // Caddy's rotation starts at the second upstream and never repeats one before the others had their turn.
    const want = Array.from({ length: 30 }, (_, i) => ['b', 'c', 'a'][i % 3]);
    expect(order).toEqual(want);
    expect(answers.map((a) => a.body)).toEqual(want);

    p.child.kill('SIGTERM');
    expect(await p.exited).toBe(0);
  }, 60000);

  it('least_conn: in-flight counts are the server’s, so held requests spread evenly; the admin API shows them', async () => {
    const held: ServerResponse[] = [];
    const seen: string[] = [];
    const ports: number[] = [];
    for (const name of ['a', 'b']) {
      ports.push(
        await backend((_req, res) => {
          seen.push(name);
          held.push(res);
        }),
      );
    }
    const [sitePort, adminPort] = [await freePort(), await freePort()];
    const p = await run(proxyConfig(sitePort, adminPort, { upstreams: ports.map((x) => ({ dial: `127.0.0.1:${x}` })), load_balancing: { selection_policy: { policy: 'least_conn' } } }));

    // One at a time: each request is sent once the previous one reached its backend.
    const pending: Array<Promise<Answer>> = [];
    for (let i = 0; i < 8; i++) {
      pending.push(get(sitePort));
      await until(() => seen.length === i + 1, `request ${i + 1} at a backend`, 10000);
    }
    expect(seen.filter((n) => n === 'a').length).toBe(4);
    expect(seen.filter((n) => n === 'b').length).toBe(4);

    const view = (await adminJSON(adminPort, '/reverse_proxy/upstreams')) as Array<{ address: string; num_requests: number }>;
    expect(view.map((u) => [u.address, u.num_requests]).sort()).toEqual(ports.map((x) => [`127.0.0.1:${x}`, 4]).sort());

    for (const res of held) res.end('done');
    const answers = await Promise.all(pending);
    expect(answers.every((a) => a.status === 200)).toBe(true);
    expect(new Set(answers.map((a) => a.worker))).toEqual(new Set(['1', '2']));
    await until(async () => ((await adminJSON(adminPort, '/reverse_proxy/upstreams')) as Array<{ num_requests: number }>).every((u) => u.num_requests === 0), 'counts back to 0', 10000);

    p.child.kill('SIGTERM');
    expect(await p.exited).toBe(0);
  }, 60000);

  it('passive health: a failure counted in one worker takes the upstream out in every worker', async () => {
    const dead = await deadPort();
    const good = await backend((_req, res) => res.end('good'));
    const [sitePort, adminPort] = [await freePort(), await freePort()];
    const p = await run(
      proxyConfig(sitePort, adminPort, {
        upstreams: [{ dial: `127.0.0.1:${dead}` }, { dial: `127.0.0.1:${good}` }],
        load_balancing: { selection_policy: { policy: 'first' } },
        health_checks: { passive: { fail_duration: 60_000_000_000, max_fails: 1 } },
      }),
    );

    const answers: Answer[] = [];
    for (let i = 0; i < 30; i++) answers.push(await get(sitePort));
    // Only the very first request met the dead upstream; after that neither worker tried it.
    expect(answers[0]!.status).toBe(502);
    expect(answers.slice(1).map((a) => `${a.status} ${a.body}`)).toEqual(Array(29).fill('200 good'));
    expect(new Set(answers.slice(1).map((a) => a.worker))).toEqual(new Set(['1', '2']));

    const view = (await adminJSON(adminPort, '/reverse_proxy/upstreams')) as Array<{ address: string; fails: number; healthy: boolean }>;
    expect(view.find((u) => u.address === `127.0.0.1:${dead}`)).toMatchObject({ fails: 1, healthy: false });
    expect(view.find((u) => u.address === `127.0.0.1:${good}`)).toMatchObject({ fails: 0, healthy: true });
    const metrics = await adminText(adminPort, '/metrics');
    expect(metricSum(metrics, 'caddy_reverse_proxy_upstreams_healthy', new RegExp(`upstream="127.0.0.1:${dead}"`))).toBe(0);
    expect(metricSum(metrics, 'caddy_reverse_proxy_upstreams_healthy', new RegExp(`upstream="127.0.0.1:${good}"`))).toBe(1);

    p.child.kill('SIGTERM');
    expect(await p.exited).toBe(0);
  }, 60000);

  it('/metrics on the admin API and through the metrics handler count every worker’s requests, once', async () => {
    const up = await backend((_req, res) => res.end('ok'));
    const [sitePort, adminPort] = [await freePort(), await freePort()];
    const config = proxyConfig(sitePort, adminPort, { upstreams: [{ dial: `127.0.0.1:${up}` }] });
    const srv = (config.apps as { http: { servers: { srv0: { routes: unknown[] } } } }).http.servers.srv0;
    srv.routes.unshift({ match: [{ path: ['/metrics'] }], handle: [{ handler: 'metrics' }], terminal: true });
    const p = await run(config);

    const answers: Answer[] = [];
    for (let i = 0; i < 40; i++) answers.push(await get(sitePort, '/x'));
    expect(answers.every((a) => a.status === 200)).toBe(true);
    expect(new Set(answers.map((a) => a.worker))).toEqual(new Set(['1', '2']));

    const text = await adminText(adminPort, '/metrics');
    expect(metricSum(text, 'caddy_http_requests_total', /handler="headers"/)).toBe(40);
    expect(metricSum(text, 'caddy_http_request_duration_seconds_count', /handler="headers"/)).toBe(40);
    expect(metricSum(text, 'caddy_http_requests_in_flight')).toBe(0);
    // The process is one process: its figures appear once, not once per worker.
    expect(text.split('\n').filter((l) => l.startsWith('process_start_time_seconds ')).length).toBe(1);
    expect(metricSum(text, 'process_resident_memory_bytes')).toBeLessThan(4 * 1024 ** 3);

    // The site's metrics handler, in whichever worker takes it, shows the same totals.
    for (let i = 0; i < 4; i++) {
      const m = await get(sitePort, '/metrics');
      expect(metricSum(m.body, 'caddy_http_requests_total', /handler="headers"/)).toBe(40);
    }

    p.child.kill('SIGTERM');
    expect(await p.exited).toBe(0);
  }, 60000);
});

/** POST /load with a JSON config; resolves with the status. */
function loadConfig(adminPort: number, config: Record<string, unknown>): Promise<number> {
  return new Promise((res, rej) => {
    const body = JSON.stringify(config);
    const req = request(
      { host: '127.0.0.1', port: adminPort, path: '/load', method: 'POST', agent: false, headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) } },
      (r) => {
        r.resume();
        r.on('end', () => res(r.statusCode ?? 0));
      },
    );
    req.on('error', rej);
    req.end(body);
  });
}

describe('changing `workers` at reload', () => {
  it('1 → 2 → 1 → 2 without a restart and without a failed request under light load', async () => {
    const [sitePort, adminPort] = [await freePort(), await freePort()];
    const config = (v: number, workers: number) => ({
      admin: { listen: `127.0.0.1:${adminPort}` },
      apps: {
        http: {
          workers,
          servers: { srv0: { listen: [`127.0.0.1:${sitePort}`], routes: [{ handle: [{ handler: 'static_response', headers: { 'X-Worker': ['{env.TSWEB_WORKER}'] }, body: `v${v}` }] }] } },
        },
      },
    });
    const p = await run(config(1, 1));

    // Two clients, each one request after another on fresh connections, for
    // the whole test. A retiring worker closes its listening socket, and Linux
    // resets the connections still in that socket's accept queue (unless
    // net.ipv4.tcp_migrate_req=1 hands them to the other listeners of the
    // port): a client sees ECONNRESET before any byte of an answer and, as
    // HTTP clients may for an idempotent request, tries again (a 2 → 1 change
    // closes two listeners, one after the other). Any other error, or a
    // request that cannot get through in three tries, is a failed request.
    let stop = false;
    const results: Answer[] = [];
    const failures: string[] = [];
    let resets = 0;
    const client = async () => {
      while (!stop) {
        for (let tries = 1; ; tries++) {
          try {
            results.push(await get(sitePort));
            break;
          } catch (err) {
            if ((err as NodeJS.ErrnoException).code !== 'ECONNRESET' || tries === 3) {
              failures.push(String(err));
              break;
            }
            resets++;
          }
        }
      }
    };
    const clients = [client(), client()];

    const steps: Array<[number, number]> = [
      [2, 2],
      [3, 1],
      [4, 2],
      [5, 1],
    ];
    for (const [v, workers] of steps) {
      expect(await loadConfig(adminPort, config(v, workers))).toBe(200);
      const from = results.length;
      // After the load, only this config answers, from the workers it asks for.
      const want = workers === 1 ? [''] : ['1', '2'];
      await until(() => want.every((w) => results.slice(from).some((a) => a.body === `v${v}` && a.worker === w)), `v${v} from workers ${want}`, 20000);
      const from2 = results.length;
      await until(() => results.length > from2 + 20, 'more answers', 20000);
      expect(new Set(results.slice(from2).map((a) => `${a.body} ${a.worker}`))).toEqual(new Set(want.map((w) => `v${v} ${w}`)));
    }
    stop = true;
    await Promise.all(clients);
    expect(failures).toEqual([]);
    expect(results.every((a) => a.status === 200)).toBe(true);
    expect(results.length).toBeGreaterThan(100);
    // At most a few connections per listener that closed (4 changes of workers).
    expect(resets).toBeLessThanOrEqual(8);
    console.log(`workers 1 -> 2 -> 1 -> 2 -> 1: ${results.length} answers, ${resets} connections reset by a closing listener and retried`);

    p.child.kill('SIGTERM');
    expect(await p.exited).toBe(0);
    expect(p.stderr()).not.toMatch(/exited unexpectedly/);
  }, 120000);
});
