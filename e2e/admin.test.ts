// The admin API of the built executable: `tsweb run` with no Caddyfile starts
// empty with its admin endpoint, takes a config through /load, autosaves it,
// and `run --resume` brings it back. curl is the client, as a user's would be.
import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { ensureBuilt, freePort, killChildren, startCliEnv, until } from './cli-harness.js';

beforeAll(ensureBuilt);
afterEach(killChildren);

function curl(args: string[]): Promise<{ status: number; body: string }> {
  return new Promise((res) => {
    execFile('curl', ['-s', '-m', '5', '-w', '\n%{http_code}', ...args], { encoding: 'utf8' }, (_err, stdout) => {
      const i = stdout.lastIndexOf('\n');
      res({ body: stdout.slice(0, i), status: Number(stdout.slice(i + 1)) || 0 });
    });
  });
}

describe('tsweb run and the admin API', () => {
  it('starts empty with the admin API, loads a Caddyfile through /load, autosaves, resumes', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'tsweb-admin-'));
    const adminPort = await freePort();
    const sitePort = await freePort();
    const env = { TSWEB_ADMIN: `127.0.0.1:${adminPort}`, XDG_CONFIG_HOME: join(dir, 'cfg') };
    const admin = `http://127.0.0.1:${adminPort}`;
    const p = startCliEnv(['run'], dir, env);
    await until(() => p.stderr().includes('serving initial configuration'), 'startup');
    expect(p.stderr()).toContain('"msg":"admin endpoint started"');
    expect(await curl([`${admin}/config/`])).toEqual({ status: 200, body: 'null\n' });

    const caddyfile = `{\n\tadmin 127.0.0.1:${adminPort}\n}\n:${sitePort} {\n\trespond "via admin"\n}\n`;
    expect((await curl(['-X', 'POST', '-H', 'Content-Type: text/caddyfile', '--data-binary', caddyfile, `${admin}/load`])).status).toBe(200);
    expect(await curl([`http://127.0.0.1:${sitePort}/`])).toEqual({ status: 200, body: 'via admin' });
    const saved = join(dir, 'cfg', 'tsweb', 'autosave.json');
    expect(JSON.parse(readFileSync(saved, 'utf8'))).toMatchObject({ admin: { listen: `127.0.0.1:${adminPort}` } });

    // A refused config: 400 with the reason, the old one keeps serving.
    const bad = await curl(['-X', 'POST', '-H', 'Content-Type: application/json', '--data-binary', '{"apps":{"nope":{}}}', `${admin}/load`]);
    expect(bad.status).toBe(400);
    expect(JSON.parse(bad.body)).toEqual({ error: 'loading config: loading new config: loading nope app module: unknown module: nope' });
    expect((await curl([`http://127.0.0.1:${sitePort}/`])).body).toBe('via admin');

    // DNS rebinding: any other Host is refused.
    expect((await curl(['-H', 'Host: attacker.example', `${admin}/config/`])).status).toBe(403);

    expect((await curl(['-X', 'POST', `${admin}/stop`])).status).toBe(200);
    expect(await p.exited).toBe(0);
    expect(p.stderr()).toContain('exiting; byeee!!');

    const resumed = startCliEnv(['run', '--resume'], dir, env);
    await until(() => resumed.stderr().includes('serving initial configuration'), 'resume');
    expect(resumed.stderr()).toContain('resuming from last configuration');
    expect((await curl([`http://127.0.0.1:${sitePort}/`])).body).toBe('via admin');
    resumed.child.kill('SIGTERM');
    expect(await resumed.exited).toBe(0);
  });

  it('refuses to start when the admin address is taken, as Caddy does', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'tsweb-admin-'));
    const adminPort = await freePort();
    const env = { TSWEB_ADMIN: `127.0.0.1:${adminPort}`, XDG_CONFIG_HOME: join(dir, 'cfg') };
    const first = startCliEnv(['run'], dir, env);
    await until(() => first.stderr().includes('serving initial configuration'), 'startup');
    const second = startCliEnv(['run'], dir, env);
    expect(await second.exited).toBe(1);
    expect(second.stderr()).toContain(`Error: loading initial config: loading new config: starting tsweb administration endpoint: listen tcp 127.0.0.1:${adminPort}: bind: address already in use`);
    first.child.kill('SIGTERM');
    expect(await first.exited).toBe(0);
    expect(existsSync(join(dir, 'cfg', 'tsweb', 'autosave.json'))).toBe(false);
  });
});
