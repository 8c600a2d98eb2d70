// Zero-downtime reload (issue 7): the built executable with `workers 2`
// serves a steady load from a few keep-alive clients (and one that opens a
// fresh connection per request) for ~20 s while the admin API changes the
// config 20 times, alternating a whole new config (POST /load) and a change
// of one value (PATCH /config/...). Not one request may fail, every change
// must be seen by both workers as soon as the admin API answered, and a
// WebSocket tunnelled through an unchanged reverse_proxy route, opened
// before the first change, must still echo after the last one.
import { writeFileSync, mkdtempSync } from 'node:fs';
import { Agent, request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { ensureBuilt, freePort, killChildren, openWs, startCliEnv, startWsEcho, until } from './cli-harness.js';

beforeAll(() => ensureBuilt());
afterEach(() => killChildren());

const LOAD_MS = 20_000;
const CHANGES = 20;
const SPACING_MS = 900;
const CLIENTS = 3;

interface Answer {
  status: number;
  body: string;
}

/** One request; `agent` false opens a fresh connection and closes it after. */
function send(port: number, method: string, path: string, agent: Agent | false, body?: string, headers: Record<string, string> = {}, timeout = 5000): Promise<Answer> {
  return new Promise((res, rej) => {
    const req = request({ host: '127.0.0.1', port, method, path, agent, headers: agent === false ? { ...headers, connection: 'close' } : headers, timeout }, (r) => {
      let b = '';
      r.setEncoding('utf8');
      r.on('data', (d: string) => (b += d));
      r.on('end', () => res({ status: r.statusCode ?? 0, body: b }));
      r.on('error', rej);
    });
    req.on('timeout', () => req.destroy(new Error('request timed out')));
    req.on('error', rej);
    req.end(body);
  });
}

/** "gen 7 w2" → [7, 2]; null for anything else. */
function parseGen(body: string): [number, number] | null {
  const m = /^gen (\d+) w(\d+)$/.exec(body);
  return m === null ? null : [Number(m[1]), Number(m[2])];
}

describe('reload under load (workers 2)', () => {
  it('serves every request and keeps a WebSocket open through 20 admin API changes', async () => {
    const t0 = Date.now();
    const [port, adminPort] = [await freePort(), await freePort()];
    const echo = await startWsEcho();
    const dir = mkdtempSync(join(tmpdir(), 'tsweb-reload-load-'));
    const config = (gen: number) => ({
      admin: { listen: `127.0.0.1:${adminPort}` },
      apps: {
        http: {
          workers: 2,
          servers: {
            srv0: {
              listen: [`127.0.0.1:${port}`],
              routes: [
                { match: [{ path: ['/ws'] }], handle: [{ handler: 'reverse_proxy', upstreams: [{ dial: `127.0.0.1:${echo.port}` }] }] },
                { handle: [{ handler: 'static_response', body: `gen ${gen} w{env.TSWEB_WORKER}` }] },
              ],
            },
          },
        },
      },
    });
    writeFileSync(join(dir, 'tsweb.json'), JSON.stringify(config(0)));
    const p = startCliEnv(['run', '--config', 'tsweb.json'], dir, { XDG_CONFIG_HOME: join(dir, 'cfg') });
    let changesDone = false;
    try {
      await until(() => p.stderr().includes('serving initial configuration'), 'startup', 20000);
      expect(parseGen((await send(port, 'GET', '/', false)).body)?.[0]).toBe(0);

      const ws = await openWs(port, '/ws');
      expect(await ws.echo('before the reloads')).toBe('before the reloads');

      // The load: keep-alive clients and one fresh-connection client, each one
      // request at a time, for LOAD_MS or until the last change was served (a
      // slow machine may need longer for the 20 changes).
      let ok = 0;
      const failures: string[] = [];
      const seenByLoad = new Set<number>();
      const loadEnd = Date.now() + LOAD_MS;
      const client = async (agent: Agent | false) => {
        while (Date.now() < loadEnd || !changesDone) {
          try {
            const a = await send(port, 'GET', '/', agent);
            const g = parseGen(a.body);
            if (a.status === 200 && g !== null) {
              ok++;
              seenByLoad.add(g[0]);
            } else failures.push(`status ${a.status}: ${a.body.slice(0, 200)}`);
          } catch (err) {
            failures.push((err as Error).message);
          }
        }
      };
      const agents = Array.from({ length: CLIENTS }, () => new Agent({ keepAlive: true, maxSockets: 1 }));
      const load = Promise.all([...agents.map((a) => client(a)), client(false)]);

      // The changes, spaced; after each, fresh connections until both workers answer with it.
      const admin = { 'content-type': 'application/json' };
      const seenAfterChange: number[] = [];
      const stale: string[] = [];
      for (let gen = 1; gen <= CHANGES; gen++) {
        const started = Date.now();
        const answer =
          gen % 2 === 1
            ? await send(adminPort, 'POST', '/load', false, JSON.stringify(config(gen)), admin, 15000)
            : await send(adminPort, 'PATCH', '/config/apps/http/servers/srv0/routes/1/handle/0/body', false, JSON.stringify(`gen ${gen} w{env.TSWEB_WORKER}`), admin, 15000);
        expect(answer, `change ${gen}`).toEqual({ status: 200, body: '' });
        // The admin API answers once every worker switched: from now on only this generation may answer.
        const workers = new Set<number>();
        await until(
          async () => {
            const g = parseGen((await send(port, 'GET', '/', false)).body);
            if (g !== null && g[0] === gen) workers.add(g[1]);
            else stale.push(`after change ${gen}: ${JSON.stringify(g)}`);
            return workers.size === 2;
          },
          `generation ${gen} from both workers`,
          5000,
        );
        seenAfterChange.push(gen);
        const rest = SPACING_MS - (Date.now() - started);
        if (rest > 0) await new Promise((r) => setTimeout(r, rest));
      }
      await until(() => seenByLoad.has(CHANGES), 'the load to see the last change', 5000).finally(() => (changesDone = true));
      await load;
      for (const a of agents) a.destroy();

      expect(await ws.echo('after the reloads')).toBe('after the reloads');
      expect(ws.closed()).toBe(false);

      const summary = { ok, failed: failures.length, reloads: seenAfterChange.length, generationsSeenByLoad: seenByLoad.size, ms: Date.now() - t0 };
      console.log(`reload under load: ${JSON.stringify(summary)}`);
      expect(failures.slice(0, 10)).toEqual([]);
      expect(stale).toEqual([]);
      expect(seenAfterChange).toEqual(Array.from({ length: CHANGES }, (_, i) => i + 1));
      // Every generation was served to the load too (each lived ~1 s under continuous requests).
      expect([...seenByLoad].sort((a, b) => a - b)).toEqual(Array.from({ length: CHANGES + 1 }, (_, i) => i));
      expect(ok).toBeGreaterThan(2000);

      // Stopped with the WebSocket still open: tsweb closes it (as Caddy does) rather than wait for it forever.
      p.child.kill('SIGTERM');
      expect(await p.exited).toBe(0);
      await until(() => ws.closed(), 'the WebSocket closed by the stop', 2000);
      expect(p.stderr()).not.toMatch(/exited unexpectedly|"level":"error"/);
    } finally {
      // A failed assertion mid-way must not leave the load running.
      changesDone = true;
      await echo.close();
    }
  }, 60000);
});
