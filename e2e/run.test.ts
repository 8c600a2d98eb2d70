// `tsweb run` as users run it: the built CLI as a process serving a
// Caddyfile on a free port, curl as the client, signals to reload and stop.
import { execFile } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { ensureBuilt, freePort, killChildren, type Proc, startCli, until } from './cli-harness.js';

beforeAll(ensureBuilt);
afterEach(killChildren);

const start = (args: string[], cwd: string): Proc => startCli(['run', ...args], cwd);

function curl(url: string): Promise<{ status: number; body: string }> {
  return new Promise((res) => {
    execFile('curl', ['-s', '-m', '5', '-w', '\n%{http_code}', url], { encoding: 'utf8' }, (_err, stdout) => {
      const i = stdout.lastIndexOf('\n');
      res({ body: stdout.slice(0, i), status: Number(stdout.slice(i + 1)) || 0 });
    });
  });
}

function caddyfile(port: number, version: string): string {
  return `{
	admin off
}

:${port} {
	handle /teapot {
		error "short and stout" 418
	}
	handle {
		respond "${version}"
	}
	handle_errors {
		respond "oops {err.status_code}"
	}
}
`;
}

function workdir(files: Record<string, string>): string {
  const dir = mkdtempSync(join(tmpdir(), 'tsweb-run-'));
  for (const [name, text] of Object.entries(files)) writeFileSync(join(dir, name), text);
  return dir;
}

describe('tsweb run', () => {
  it('serves ./Caddyfile, reloads on SIGUSR1, keeps serving after a bad edit, exits 0 on SIGTERM', async () => {
    const port = await freePort();
    const dir = workdir({ Caddyfile: caddyfile(port, 'version one') });
    const p = start([], dir);
    await until(() => p.stderr().includes('serving initial configuration'), 'startup');
    expect(p.stderr()).toContain('using adjacent Caddyfile');
    expect(p.stderr()).toMatch(new RegExp(`"msg":"server running".*"listen":\\[.*:${port}"\\]`));

    expect(await curl(`http://127.0.0.1:${port}/`)).toEqual({ status: 200, body: 'version one' });
    expect(await curl(`http://127.0.0.1:${port}/teapot`)).toEqual({ status: 418, body: 'oops 418' });

    writeFileSync(join(dir, 'Caddyfile'), caddyfile(port, 'version two'));
    p.child.kill('SIGUSR1');
    await until(async () => (await curl(`http://127.0.0.1:${port}/`)).body === 'version two', 'the reload');

    // A broken file is refused; the running config stays.
    writeFileSync(join(dir, 'Caddyfile'), `:${port} {\n\trespond "x" {\n`);
    p.child.kill('SIGUSR1');
    await until(() => p.stderr().includes('reloading config failed'), 'the refusal');
    expect(await curl(`http://127.0.0.1:${port}/`)).toEqual({ status: 200, body: 'version two' });

    p.child.kill('SIGTERM');
    expect(await p.exited).toBe(0);
    expect(p.stderr()).toContain('shutdown complete');
    expect((await curl(`http://127.0.0.1:${port}/`)).status).toBe(0);
  });

  it('--watch reloads when the file changes', async () => {
    const port = await freePort();
    const dir = workdir({ 'site.caddyfile': caddyfile(port, 'before') });
    const p = start(['--config', 'site.caddyfile', '--watch'], dir);
    await until(() => p.stderr().includes('serving initial configuration'), 'startup');
    expect((await curl(`http://127.0.0.1:${port}/`)).body).toBe('before');
    writeFileSync(join(dir, 'site.caddyfile'), caddyfile(port, 'after'));
    await until(async () => (await curl(`http://127.0.0.1:${port}/`)).body === 'after', 'the watch reload');
    p.child.kill('SIGINT');
    expect(await p.exited).toBe(0);
  });

  it('serves a JSON config', async () => {
    const port = await freePort();
    const json = { admin: { disabled: true }, apps: { http: { servers: { s: { listen: [`127.0.0.1:${port}`], routes: [{ handle: [{ handler: 'static_response', body: 'from json', status_code: 202 }] }] } } } } };
    const dir = workdir({ 'config.json': JSON.stringify(json) });
    const p = start(['--config', 'config.json'], dir);
    await until(() => p.stderr().includes('serving initial configuration'), 'startup');
    expect(await curl(`http://127.0.0.1:${port}/`)).toEqual({ status: 202, body: 'from json' });
    p.child.kill('SIGTERM');
    expect(await p.exited).toBe(0);
  });

  it('exits 1 with the reason when the config cannot be served', async () => {
    const port = await freePort();
    const blocker = createServer().listen(port, '127.0.0.1');
    await new Promise((r) => blocker.once('listening', r));
    try {
      const dir = workdir({ 'c.json': JSON.stringify({ admin: { disabled: true }, apps: { http: { servers: { s: { listen: [`127.0.0.1:${port}`] } } } } }) });
      const p = start(['--config', 'c.json'], dir);
      expect(await p.exited).toBe(1);
      expect(p.stderr()).toMatch(new RegExp(`Error: loading initial config: loading new config: http app module: start: listening on 127\\.0\\.0\\.1:${port}: listen EADDRINUSE`));
    } finally {
      blocker.close();
    }
  });

  it('exits 1 when --adapter names no config file (with no file at all it starts empty: e2e/admin.test.ts)', async () => {
    const p = start(['--adapter', 'caddyfile'], workdir({}));
    expect(await p.exited).toBe(1);
    expect(p.stderr()).toMatch(/^Error: /m);
  });
});
