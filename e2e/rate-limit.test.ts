// rate_limit in the executable (dist/tsweb) with `workers 2`, from a Caddyfile
// written for Caddy with the caddy-ratelimit plugin: a zone allows `events`
// per window for the whole server, so across both workers exactly that many
// requests pass and every other one gets 429 with Retry-After. Every request
// goes on a fresh connection, so the kernel (SO_REUSEPORT) spreads them over
// both workers; each answer names its worker, and the test checks both took part.
import { mkdtempSync, writeFileSync } from 'node:fs';
import { request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { ensureBuilt, freePort, killChildren, type ProcWithOut, startCliEnv, until } from './cli-harness.js';

beforeAll(() => ensureBuilt());
afterEach(() => killChildren());

interface Answer {
  status: number;
  body: string;
  worker: string;
  retryAfter: string | undefined;
}

function get(port: number, path: string, headers: Record<string, string> = {}): Promise<Answer> {
  return new Promise((res, rej) => {
    const req = request({ host: '127.0.0.1', port, path, agent: false, headers: { connection: 'close', ...headers } }, (r) => {
      let body = '';
      r.setEncoding('utf8');
      r.on('data', (d: string) => (body += d));
      r.on('end', () => res({ status: r.statusCode ?? 0, body, worker: String(r.headers['x-worker'] ?? ''), retryAfter: r.headers['retry-after'] as string | undefined }));
    });
    req.on('error', rej);
    req.end();
  });
}

async function run(caddyfile: string): Promise<ProcWithOut> {
  const dir = mkdtempSync(join(tmpdir(), 'tsweb-rate-limit-'));
  writeFileSync(join(dir, 'Caddyfile'), caddyfile);
  const p = startCliEnv(['run', '--config', 'Caddyfile'], dir, {});
  await until(() => p.stderr().includes('serving initial configuration'), 'startup', 20000);
  return p;
}

/** `n` requests, `parallel` at a time, each on its own connection. */
async function burst(n: number, parallel: number, send: (i: number) => Promise<Answer>): Promise<Answer[]> {
  const out: Answer[] = [];
  for (let i = 0; i < n; i += parallel) out.push(...(await Promise.all(Array.from({ length: Math.min(parallel, n - i) }, (_, j) => send(i + j)))));
  return out;
}

describe('rate_limit across workers', () => {
  it('workers 2: exactly `events` requests pass per window for the whole server; the rest get 429 + Retry-After; handle_errors answers them', async () => {
    const port = await freePort();
    const p = await run(`{
	admin off
	workers 2
}

:${port} {
	header X-Worker {env.TSWEB_WORKER}
	rate_limit {
		zone per_client {
			key {http.request.header.X-Client}
			events 25
			window 1m
		}
		zone api {
			match {
				path /api/*
			}
			key {path}
			events 5
			window 1m
		}
	}
	respond "ok"
	handle_errors {
		respond "slow down ({http.rate_limit.exceeded.name})"
	}
}
`);
    // One client, 80 requests, 8 at a time over fresh connections.
    const answers = await burst(80, 8, () => get(port, '/', { 'X-Client': 'alice' }));
    const ok = answers.filter((a) => a.status === 200);
    const refused = answers.filter((a) => a.status === 429);
    expect(ok.length).toBe(25);
    expect(refused.length).toBe(55);
    expect(new Set(answers.map((a) => a.worker))).toEqual(new Set(['1', '2']));
    for (const r of refused) {
      expect(r.body).toBe('slow down (per_client)');
      expect(Number(r.retryAfter)).toBeGreaterThanOrEqual(30);
      expect(Number(r.retryAfter)).toBeLessThanOrEqual(60);
    }
    // Another client has its own count.
    expect((await get(port, '/', { 'X-Client': 'bob' })).status).toBe(200);

    // A second zone, by path: /api/a allows 5 whoever asks, /api/b has its own 5.
    const api = await burst(12, 6, (i) => get(port, '/api/a', { 'X-Client': `c${i}` }));
    expect(api.filter((a) => a.status === 200).length).toBe(5);
    expect(api.filter((a) => a.status === 429).every((a) => a.body === 'slow down (api)')).toBe(true);
    expect((await get(port, '/api/b', { 'X-Client': 'carol' })).status).toBe(200);

    // The log line, once per refused request, from the worker that refused it.
    await until(() => (p.stderr().match(/rate limit exceeded/g) ?? []).length >= 55 + 7, 'log lines');
    expect(p.stderr()).toMatch(/"logger":"http\.handlers\.rate_limit","msg":"rate limit exceeded","zone":"per_client","wait":[\d.]+,"remote_ip":"127\.0\.0\.1"/);

    p.child.kill('SIGTERM');
    expect(await p.exited).toBe(0);
  }, 60000);

  it('workers 2: the window slides for the whole server', async () => {
    const port = await freePort();
    const p = await run(`{
	admin off
	workers 2
}

:${port} {
	header X-Worker {env.TSWEB_WORKER}
	rate_limit {
		zone short {
			key static
			events 6
			window 3s
		}
	}
	respond "ok"
}
`);
    const first = await burst(12, 6, () => get(port, '/'));
    expect(first.filter((a) => a.status === 200).length).toBe(6);
    expect(first.filter((a) => a.status === 429).every((a) => a.retryAfter === '3' || a.retryAfter === '4')).toBe(true);
    // Once the window has passed, the server allows `events` again: not more.
    await new Promise((r) => setTimeout(r, 3300));
    const second = await burst(12, 6, () => get(port, '/'));
    expect(second.filter((a) => a.status === 200).length).toBe(6);
    expect(new Set([...first, ...second].map((a) => a.worker))).toEqual(new Set(['1', '2']));
    p.child.kill('SIGTERM');
    expect(await p.exited).toBe(0);
  }, 60000);
});
