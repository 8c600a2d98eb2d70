// `npm start` as a user runs it: the built CLI serving Caddyfile.example from
// the repository root, which proxies /api/* from :8080 to the stand-in backend
// on :8081, answers /health itself and lists the folder everywhere else.
// The example binds the fixed ports 8080 and 8081, so they must be free.
import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync } from 'node:fs';
import { request } from 'node:http';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const root = resolve(import.meta.dirname, '..');
const cli = join(root, 'dist', 'tsweb');

/** Whether a port can be bound the way the example binds it (all interfaces). */
function portFree(port: number): Promise<boolean> {
  return new Promise((res) => {
    const s = createServer();
    s.once('error', () => res(false));
    s.listen(port, () => s.close(() => res(true)));
  });
}

function get(path: string, headers: Record<string, string> = {}): Promise<{ status: number; headers: Record<string, unknown>; body: string }> {
  return new Promise((res, rej) => {
    const req = request({ host: '127.0.0.1', port: 8080, path, headers, agent: false, timeout: 5000 }, (r) => {
      let body = '';
      r.setEncoding('utf8');
      r.on('data', (d: string) => (body += d));
      r.on('end', () => res({ status: r.statusCode ?? 0, headers: r.headers, body }));
    });
    req.on('timeout', () => req.destroy(new Error('timeout')));
    req.on('error', rej);
    req.end();
  });
}

describe('npm start: Caddyfile.example', () => {
  let child: ChildProcess | undefined;
  let stderr = '';

  beforeAll(async () => {
    const busy: number[] = [];
    for (const p of [8080, 8081]) if (!(await portFree(p))) busy.push(p);
    if (busy.length > 0) {
      throw new Error(`port(s) ${busy.join(', ')} already in use: this test runs Caddyfile.example, which binds 8080 and 8081; stop whatever listens there (maybe a running \`npm start\`) and run it again`);
    }
    if (!existsSync(cli)) {
      const b = spawnSync(process.execPath, [join(root, 'scripts', 'build.mjs')], { cwd: root, encoding: 'utf8' });
      if (b.status !== 0) throw new Error(`build failed: ${b.stderr}`);
    }
    // XDG_CONFIG_HOME: every loaded config is autosaved, as in Caddy; keep it out of the repository.
    child = spawn(cli, ['run', '--config', 'Caddyfile.example'], { cwd: root, env: { PATH: process.env.PATH, HOME: root, XDG_CONFIG_HOME: mkdtempSync(join(tmpdir(), 'tsweb-proxy-cfg-')) }, stdio: ['ignore', 'ignore', 'pipe'] });
    child.stderr!.setEncoding('utf8');
    child.stderr!.on('data', (d: string) => (stderr += d));
    const end = Date.now() + 10_000;
    for (;;) {
      if (child.exitCode !== null) throw new Error(`tsweb exited with ${child.exitCode}: ${stderr}`);
      try {
        if ((await get('/health')).status === 200) break;
      } catch {
        // not listening yet
      }
      if (Date.now() > end) throw new Error(`tsweb did not answer /health within 10 s: ${stderr}`);
      await new Promise((r) => setTimeout(r, 100));
    }
  });

  afterAll(async () => {
    if (child && child.exitCode === null) {
      const exited = new Promise((r) => child!.once('exit', r));
      child.kill('SIGTERM');
      const timer = setTimeout(() => child!.kill('SIGKILL'), 5000);
      await exited;
      clearTimeout(timer);
    }
  });

  it('/health is answered by respond', async () => {
    const r = await get('/health');
    expect(r.status).toBe(200);
    expect(r.body).toBe('OK');
  });

  it('/api/x is proxied to the backend on :8081, which sees the path', async () => {
    const r = await get('/api/x?y=1');
    expect(r.status).toBe(200);
    expect(r.headers['content-type']).toBe('application/json');
    expect(JSON.parse(r.body)).toEqual({ message: 'hello from the backend', path: '/api/x' });
  });

  it('/ is the browse listing of the repository root, without the Caddyfile', async () => {
    const r = await get('/');
    expect(r.status).toBe(200);
    expect(r.headers['content-type']).toMatch(/^text\/html/);
    expect(r.body).toContain('package.json');
    expect(r.body).toContain('README.md');
    expect(r.body).not.toContain('Caddyfile.example');
    expect((await get('/Caddyfile.example')).status).toBe(404);
  });

  it('the access log (`log`) writes a line per request to stderr', async () => {
    await get('/health');
    const end = Date.now() + 3000;
    while (!stderr.includes('"logger":"http.log.access') && Date.now() < end) await new Promise((r) => setTimeout(r, 50));
    expect(stderr).toMatch(/"logger":"http\.log\.access[^"]*".*"uri":"\/health"/);
  });
});
