// The verbs that talk to a running instance, on the built executable:
// start (background, readiness by pingback, --pidfile), reload [--force],
// stop; and respond, environ, list-modules, build-info.
import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { ensureBuilt, freePort, killChildren, startCliEnv, until } from './cli-harness.js';

beforeAll(ensureBuilt);
afterEach(killChildren);

/** Background processes `start` left, by pid: killed if a test fails before `stop`. */
const leftovers: number[] = [];
afterEach(() => {
  for (const pid of leftovers.splice(0)) {
    try {
      process.kill(pid, 'SIGKILL');
    } catch {
      // already gone
    }
  }
});

function curl(url: string): Promise<{ status: number; body: string }> {
  return new Promise((res) => {
    execFile('curl', ['-s', '-m', '5', '-w', '\n%{http_code}', url], { encoding: 'utf8' }, (_err, stdout) => {
      const i = stdout.lastIndexOf('\n');
      res({ body: stdout.slice(0, i), status: Number(stdout.slice(i + 1)) || 0 });
    });
  });
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

const site = (adminPort: number, port: number, text: string) => `{\n\tadmin 127.0.0.1:${adminPort}\n}\n:${port} {\n\trespond "${text}"\n}\n`;

describe('tsweb start / reload / stop', () => {
  it('starts in the background, reloads (a refused config keeps the old), stops', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'tsweb-verbs-'));
    const adminPort = await freePort();
    const port = await freePort();
    const env = { XDG_CONFIG_HOME: join(dir, 'cfg') };
    writeFileSync(join(dir, 'Caddyfile'), site(adminPort, port, 'one'));
    const start = startCliEnv(['start', '--pidfile', 'tsweb.pid'], dir, env);
    expect(await start.exited).toBe(0);
    expect(start.stdout()).toMatch(/^Successfully started tsweb \(pid=\d+\) - tsweb is running in the background\n$/);
    const pid = Number(/pid=(\d+)/.exec(start.stdout())![1]);
    leftovers.push(pid);
    expect(readFileSync(join(dir, 'tsweb.pid'), 'utf8')).toBe(`${pid}\n`);
    expect(await curl(`http://127.0.0.1:${port}/`)).toEqual({ status: 200, body: 'one' });

    // reload reads ./Caddyfile and finds the admin address in it.
    writeFileSync(join(dir, 'Caddyfile'), site(adminPort, port, 'two'));
    const reload = startCliEnv(['reload'], dir, env);
    expect(await reload.exited).toBe(0);
    expect(await curl(`http://127.0.0.1:${port}/`)).toEqual({ status: 200, body: 'two' });
    const forced = startCliEnv(['reload', '--force'], dir, env);
    expect(await forced.exited).toBe(0);

    writeFileSync(join(dir, 'bad.json'), JSON.stringify({ admin: { listen: `127.0.0.1:${adminPort}` }, apps: { http: { servers: { s: { listen: [`:${port}`], routes: [{ handle: [{ handler: 'nope' }] }] } } } } }));
    const refused = startCliEnv(['reload', '--config', 'bad.json'], dir, env);
    expect(await refused.exited).toBe(1);
    expect(refused.stderr()).toMatch(/^Error: sending configuration to instance: tsweb responded with error: HTTP 400: \{"error":"loading config: loading new config: /m);
    expect((await curl(`http://127.0.0.1:${port}/`)).body).toBe('two');

    const stop = startCliEnv(['stop', '--address', `127.0.0.1:${adminPort}`], dir, env);
    expect(await stop.exited).toBe(0);
    await until(() => !alive(pid), 'the background process to exit');
    expect(existsSync(join(dir, 'tsweb.pid'))).toBe(false);

    // Nothing listens any more: stop says why and exits 1.
    const again = startCliEnv(['stop', '--address', `127.0.0.1:${adminPort}`], dir, env);
    expect(await again.exited).toBe(1);
    expect(again.stderr()).toContain(`Error: performing request: Post "http://127.0.0.1:${adminPort}/stop": dial tcp 127.0.0.1:${adminPort}: connect: connection refused`);
  });

  it('start reports a child that cannot run', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'tsweb-verbs-'));
    writeFileSync(join(dir, 'c.json'), '{"apps":{"nope":{}}}');
    const start = startCliEnv(['start', '--config', 'c.json'], dir, { TSWEB_ADMIN: `127.0.0.1:${await freePort()}` });
    expect(await start.exited).toBe(1);
    expect(start.stderr()).toContain('Error: tsweb process exited with error: exit status 1');
  });
});

describe('tsweb respond, environ, list-modules, build-info', () => {
  it('respond serves one static answer and prints its address', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'tsweb-verbs-'));
    const p = startCliEnv(['respond', '--listen', '127.0.0.1:0', '-H', 'X-Hi: there', 'server {{.N}} on {{.Address}}'], dir, {});
    await until(() => p.stdout().includes('Server address: '), 'the address');
    const addr = /Server address: (\S+)/.exec(p.stdout())![1]!;
    const r = await curl(`http://${addr}/`);
    // As in Caddy, the template sees the address as configured (port 0), not the bound one.
    expect(r).toEqual({ status: 200, body: 'server 0 on 127.0.0.1:0' });
    p.child.kill('SIGTERM');
    expect(await p.exited).toBe(0);
  });

  it('environ, list-modules and build-info print what Caddy prints, for tsweb', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'tsweb-verbs-'));
    const environ = startCliEnv(['environ'], dir, { XDG_CONFIG_HOME: '/x', MARK: 'yes' });
    expect(await environ.exited).toBe(0);
    expect(environ.stdout()).toContain('tsweb.ConfigAutosavePath=/x/tsweb/autosave.json\n');
    expect(environ.stdout()).toContain('\nMARK=yes\n');
    const mods = startCliEnv(['list-modules'], dir, {});
    expect(await mods.exited).toBe(0);
    expect(mods.stdout()).toContain('http.handlers.reverse_proxy\n');
    expect(mods.stdout()).toMatch(/\n {2}Standard modules: \d+\n$/);
    const info = startCliEnv(['build-info'], dir, {});
    expect(await info.exited).toBe(0);
    expect(info.stdout()).toMatch(/^node\tv\d+/);
    expect(info.stdout()).toContain('build\tsea=true\n');
  });
});
