// The real Caddy (Debian's 2.6.2) and `tsweb run` serve the same Caddyfile
// on two free ports; the same requests must get the same status, body and
// headers (except the ones that name the server or the moment).
import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, writeFileSync } from 'node:fs';
import { request } from 'node:http';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const root = resolve(import.meta.dirname, '..');
const cli = join(root, 'dist', 'tsweb.cjs');

// Only core handlers and matchers; `error` messages without placeholders
// (Caddy 2.6.2 did not replace them, current Caddy does).
const site = `{
	admin off
}

:{PORT} {
	vars greeting hello
	handle /hello {
		respond "{vars.greeting} {path}" 201
	}
	handle /json {
		respond \`{"ok": true}\`
	}
	handle /teapot {
		error "short and stout" 418
	}
	handle /gone {
		error "it went away" 410
	}
	handle /abort {
		abort
	}
	route /route/* {
		respond /route/first "first"
		respond "second"
	}
	handle /status {
		respond 204
	}
	handle {
		respond "fallback {method}"
	}
	handle_errors {
		respond "{err.status_code} {err.status_text}: {err.message}"
	}
}

:{PORT2} {
}
`;

const requests: Array<{ method?: string; path: string; headers?: Record<string, string> }> = [
  { path: '/hello' },
  { path: '/json' },
  { path: '/teapot' },
  { path: '/gone' },
  { path: '/route/first' },
  { path: '/route/other' },
  { path: '/status' },
  { path: '/anything/else?x=1' },
  { method: 'POST', path: '/anything' },
  { method: 'HEAD', path: '/hello' },
];

function freePort(): Promise<number> {
  return new Promise((res, rej) => {
    const s = createServer();
    s.once('error', rej);
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address() as { port: number };
      s.close(() => res(port));
    });
  });
}

interface Answer {
  status: number;
  body: string;
  headers: Record<string, string>;
}

/** Headers that legitimately differ: the server's name, the time, and connection management. */
const ignored = new Set(['date', 'server', 'connection', 'keep-alive']);

function fetchRaw(port: number, r: (typeof requests)[number]): Promise<Answer | 'dropped'> {
  return new Promise((res) => {
    const req = request({ host: '127.0.0.1', port, path: r.path, method: r.method ?? 'GET', headers: r.headers, agent: false }, (resp) => {
      let body = '';
      resp.setEncoding('utf8');
      resp.on('data', (d) => (body += d));
      resp.on('end', () => {
        const headers: Record<string, string> = {};
        for (const [k, v] of Object.entries(resp.headers)) if (!ignored.has(k)) headers[k] = String(v);
        res({ status: resp.statusCode ?? 0, body, headers });
      });
    });
    req.on('error', () => res('dropped'));
    req.setTimeout(5000, () => req.destroy());
    req.end();
  });
}

async function waitForPort(port: number, proc: ChildProcess, log: () => string): Promise<void> {
  const end = Date.now() + 10000;
  while (Date.now() < end) {
    if (proc.exitCode !== null) throw new Error(`exited early: ${log()}`);
    if ((await fetchRaw(port, { path: '/hello' })) !== 'dropped') return;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`never listened: ${log()}`);
}

function launch(cmd: string, args: string[], cwd: string): { proc: ChildProcess; log: () => string } {
  const proc = spawn(cmd, args, { cwd, env: { PATH: process.env.PATH, HOME: cwd, XDG_DATA_HOME: cwd, XDG_CONFIG_HOME: cwd }, stdio: ['ignore', 'ignore', 'pipe'] });
  let log = '';
  proc.stderr!.setEncoding('utf8');
  proc.stderr!.on('data', (d: string) => (log += d));
  return { proc, log: () => log };
}

describe('tsweb run answers as caddy run does', () => {
  const ports = { caddy: 0, tsweb: 0 };
  const procs: ChildProcess[] = [];

  beforeAll(async () => {
    if (!existsSync(cli)) {
      const b = spawnSync(process.execPath, [join(root, 'scripts', 'build.mjs')], { cwd: root, encoding: 'utf8' });
      if (b.status !== 0) throw new Error(`build failed: ${b.stderr}`);
    }
    const dir = mkdtempSync(join(tmpdir(), 'tsweb-diff-'));
    for (const who of ['caddy', 'tsweb'] as const) {
      ports[who] = await freePort();
      const file = join(dir, `${who}.Caddyfile`);
      writeFileSync(file, site.replace('{PORT}', String(ports[who])).replace('{PORT2}', String(await freePort())));
      const { proc, log } = who === 'caddy'
        ? launch('caddy', ['run', '--config', file, '--adapter', 'caddyfile'], dir)
        : launch(process.execPath, [cli, 'run', '--config', file], dir);
      procs.push(proc);
      await waitForPort(ports[who], proc, log);
    }
  });

  afterAll(async () => {
    await Promise.all(procs.map((p) => new Promise((res) => {
      if (p.exitCode !== null) return res(null);
      p.once('exit', res);
      p.kill('SIGTERM');
      setTimeout(() => p.kill('SIGKILL'), 5000).unref();
    })));
  });

  it.each(requests.map((r) => [`${r.method ?? 'GET'} ${r.path}`, r] as const))('%s', async (_name, r) => {
    const [fromCaddy, fromTsweb] = [await fetchRaw(ports.caddy, r), await fetchRaw(ports.tsweb, r)];
    expect(fromTsweb).toEqual(fromCaddy);
  });

  it('abort drops the connection in both', async () => {
    expect(await fetchRaw(ports.caddy, { path: '/abort' })).toBe('dropped');
    expect(await fetchRaw(ports.tsweb, { path: '/abort' })).toBe('dropped');
  });
});
