// The caddy-ratelimit plugin's Prometheus metrics from the executable
// (dist/tsweb) with `workers 2`: after a burst spread over both workers, the
// admin API's /metrics and the `metrics` handler (served by a worker, which
// asks the supervisor) show the server's exact totals — counters summed over
// the workers, the config series and the keys held counted once — and a
// reload through the admin API keeps counting. With DEBUG logs, each 429
// logs the plugin's rate_limit_exceeded event.
import { mkdtempSync, writeFileSync } from 'node:fs';
import { request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeAll, expect, it } from 'vitest';
import { ensureBuilt, freePort, killChildren, startCliEnv, until } from './cli-harness.js';

beforeAll(() => ensureBuilt());
afterEach(() => killChildren());

interface Answer {
  status: number;
  body: string;
  worker: string;
}

function call(port: number, path: string, opts: { method?: string; headers?: Record<string, string>; body?: string } = {}): Promise<Answer> {
  return new Promise((res, rej) => {
    const req = request({ host: '127.0.0.1', port, path, method: opts.method ?? 'GET', agent: false, headers: { connection: 'close', ...opts.headers } }, (r) => {
      let body = '';
      r.setEncoding('utf8');
      r.on('data', (d: string) => (body += d));
      r.on('end', () => res({ status: r.statusCode ?? 0, body, worker: String(r.headers['x-worker'] ?? '') }));
    });
    req.on('error', rej);
    req.end(opts.body);
  });
}

/** `n` requests, `parallel` at a time, each on its own connection (the kernel spreads them over the workers). */
async function burst(n: number, parallel: number, send: () => Promise<Answer>): Promise<Answer[]> {
  const out: Answer[] = [];
  for (let i = 0; i < n; i += parallel) out.push(...(await Promise.all(Array.from({ length: Math.min(parallel, n - i) }, send))));
  return out;
}

/** Every sample line of `name` with exactly these labels (sorted, as exposed). */
function samples(text: string, name: string, labels: string): number[] {
  return text
    .split('\n')
    .filter((l) => l.startsWith(`${name}{${labels}} `))
    .map((l) => Number(l.slice(l.lastIndexOf(' ') + 1)));
}

const caddyfile = (admin: number, port: number, events: number) => `{
	admin 127.0.0.1:${admin}
	workers 2
	log {
		level DEBUG
	}
}

:${port} {
	header X-Worker {env.TSWEB_WORKER}
	handle /metrics {
		metrics
	}
	handle {
		rate_limit {
			zone per_client {
				key {http.request.header.X-Client}
				events ${events}
				window 1m
			}
		}
		respond "ok"
	}
}
`;

it('workers 2: /metrics (admin and handler) shows the rate_limit metrics with the server’s exact totals, across a reload', async () => {
  const [admin, port] = [await freePort(), await freePort()];
  const dir = mkdtempSync(join(tmpdir(), 'tsweb-rl-metrics-'));
  writeFileSync(join(dir, 'Caddyfile'), caddyfile(admin, port, 10));
  const p = startCliEnv(['run', '--config', 'Caddyfile'], dir, {});
  await until(() => p.stderr().includes('serving initial configuration'), 'startup', 20000);

  const alice = await burst(40, 8, () => call(port, '/', { headers: { 'X-Client': 'alice' } }));
  expect(alice.filter((a) => a.status === 200)).toHaveLength(10);
  expect(alice.filter((a) => a.status === 429)).toHaveLength(30);
  expect(new Set(alice.map((a) => a.worker))).toEqual(new Set(['1', '2']));
  expect((await call(port, '/', { headers: { 'X-Client': 'bob' } })).status).toBe(200);

  const fromAdmin = (await call(admin, '/metrics')).body;
  const expectTotals = (m: string, requests: number, declined: number, aliceRequests: number, config: number) => {
    expect(samples(m, 'caddy_rate_limit_requests_total', 'key="",zone="per_client"')).toEqual([requests]);
    expect(samples(m, 'caddy_rate_limit_requests_total', 'key="alice",zone="per_client"')).toEqual([aliceRequests]);
    expect(samples(m, 'caddy_rate_limit_requests_total', 'key="bob",zone="per_client"')).toEqual([1]);
    expect(samples(m, 'caddy_rate_limit_declined_requests_total', 'key="",zone="per_client"')).toEqual([declined]);
    expect(samples(m, 'caddy_rate_limit_declined_requests_total', 'key="alice",zone="per_client"')).toEqual([declined]);
    expect(samples(m, 'caddy_rate_limit_process_time_seconds_count', 'key="",zone="per_client"')).toEqual([requests]);
    // Both workers read the one shared table: two keys, not four.
    expect(samples(m, 'caddy_rate_limit_keys_total', 'zone="per_client"')).toEqual([2]);
    expect(samples(m, 'caddy_rate_limit_config', `ipv4_prefix="0",ipv6_prefix="0",max_events="${config === 1 ? 10 : 20}",window="1m0s",zone="per_client"`)).toEqual([1]);
  };
  expectTotals(fromAdmin, 41, 30, 40, 1);
  // The metrics handler runs in a worker and shows the server's figures too, not that worker's.
  const fromHandler = await call(port, '/metrics');
  expect(fromHandler.status).toBe(200);
  expectTotals(fromHandler.body, 41, 30, 40, 1);

  // The event, at DEBUG, once per 429, as Caddy's events app logs it.
  await until(() => (p.stderr().match(/"logger":"events","msg":"event","name":"rate_limit_exceeded"/g) ?? []).length >= 30, 'event lines');
  expect(p.stderr()).toMatch(/"logger":"events","msg":"event","name":"rate_limit_exceeded","id":"[0-9a-f-]{36}","origin":"http\.handlers\.rate_limit","data":\{"remote_ip":"127\.0\.0\.1","wait":\d+,"zone":"per_client"\}/);
  expect(p.stderr().match(/"msg":"rate limit metrics enabled"/g)).toHaveLength(1);

  // A reload with a looser zone (new events: a new table, as in the plugin): the counters go on.
  const loaded = await call(admin, '/load', { method: 'POST', headers: { 'Content-Type': 'text/caddyfile' }, body: caddyfile(admin, port, 20) });
  expect(loaded.status).toBe(200);
  const again = await burst(6, 3, () => call(port, '/', { headers: { 'X-Client': 'alice' } }));
  expect(again.every((a) => a.status === 200)).toBe(true);
  const after = (await call(admin, '/metrics')).body;
  expect(samples(after, 'caddy_rate_limit_requests_total', 'key="",zone="per_client"')).toEqual([47]);
  expect(samples(after, 'caddy_rate_limit_requests_total', 'key="alice",zone="per_client"')).toEqual([46]);
  expect(samples(after, 'caddy_rate_limit_declined_requests_total', 'key="",zone="per_client"')).toEqual([30]);
  // One series per configuration seen, each counted once for the server (not once per worker).
  expect(samples(after, 'caddy_rate_limit_config', 'ipv4_prefix="0",ipv6_prefix="0",max_events="10",window="1m0s",zone="per_client"')).toEqual([1]);
  expect(samples(after, 'caddy_rate_limit_config', 'ipv4_prefix="0",ipv6_prefix="0",max_events="20",window="1m0s",zone="per_client"')).toEqual([1]);
  expect(samples(after, 'caddy_rate_limit_keys_total', 'zone="per_client"')).toEqual([1]);

  p.child.kill('SIGTERM');
  expect(await p.exited).toBe(0);
}, 90_000);
