// `workers N` in the executable (dist/tsweb, a SEA): request workers start
// inside the single binary (threads evaluate the embedded bundle; cluster
// children get the fork's extra argv entry) and serve; a reload reaches them
// all; `workers 1` serves from the process itself, as before.
import { mkdtempSync, writeFileSync } from 'node:fs';
import { request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { ensureBuilt, freePort, killChildren, startCliEnv, until } from './cli-harness.js';

beforeAll(() => ensureBuilt());
afterEach(() => killChildren());

/** One request on a fresh connection: the body. */
function get(port: number): Promise<string> {
  return new Promise((res, rej) => {
    const req = request({ host: '127.0.0.1', port, path: '/', agent: false, headers: { connection: 'close' } }, (r) => {
      let b = '';
      r.setEncoding('utf8');
      r.on('data', (d: string) => (b += d));
      r.on('end', () => res(b));
    });
    req.on('error', rej);
    req.end();
  });
}

async function bodiesSeen(port: number, want: string[]): Promise<Set<string>> {
  const seen = new Set<string>();
  for (let i = 0; i < 200 && want.some((w) => !seen.has(w)); i++) seen.add(await get(port));
  return seen;
}

function site(port: number, workers: string, body: string): string {
  return `{\n\tadmin off\n${workers ? `\tworkers ${workers}\n` : ''}}\n\n:${port} {\n\trespond "${body} w{env.TSWEB_WORKER}"\n}\n`;
}

describe.each([
  ['thread', {}],
  ['process', { TSWEB_WORKERS_DESIGN: 'process' }],
] as const)('tsweb run with workers 2 (%s design)', (_design, env) => {
  it('starts, serves from both workers, reloads both on SIGUSR1 and stops cleanly', async () => {
    const port = await freePort();
    const dir = mkdtempSync(join(tmpdir(), 'tsweb-workers-'));
    writeFileSync(join(dir, 'Caddyfile'), site(port, '2', 'v1'));
    const p = startCliEnv(['run', '--config', 'Caddyfile'], dir, env);
    await until(() => p.stderr().includes('serving initial configuration'), 'startup', 20000);
    expect([...(await bodiesSeen(port, ['v1 w1', 'v1 w2']))].sort()).toEqual(['v1 w1', 'v1 w2']);

    writeFileSync(join(dir, 'Caddyfile'), site(port, '2', 'v2'));
    p.child.kill('SIGUSR1');
    await until(() => p.stderr().includes('load complete'), 'the reload', 20000);
    expect([...(await bodiesSeen(port, ['v2 w1', 'v2 w2']))].sort()).toEqual(['v2 w1', 'v2 w2']);

    p.child.kill('SIGTERM');
    expect(await p.exited).toBe(0);
    expect(p.stderr()).not.toMatch(/unknown|exited unexpectedly|Error/);
  }, 60000);
});

describe('tsweb run with workers 1', () => {
  it('serves from the process itself (no request workers)', async () => {
    const port = await freePort();
    const dir = mkdtempSync(join(tmpdir(), 'tsweb-workers-'));
    writeFileSync(join(dir, 'Caddyfile'), site(port, '1', 'one'));
    const p = startCliEnv(['run', '--config', 'Caddyfile'], dir, {});
    await until(() => p.stderr().includes('serving initial configuration'), 'startup', 20000);
    expect(await get(port)).toBe('one w');
    p.child.kill('SIGTERM');
    expect(await p.exited).toBe(0);
  }, 30000);
});
