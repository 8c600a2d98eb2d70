// Access logs from `tsweb run` as users configure them in a Caddyfile: the
// built CLI as a process, curl as the client, a console-format log file
// per site, a bare `log` to stderr as JSON, log_skip, and the file still
// complete after a graceful stop.
import { execFile, spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { cli, ensureBuilt, freePort, killChildren, track, until } from './cli-harness.js';

beforeAll(ensureBuilt);
afterEach(killChildren);

function curl(url: string, ...args: string[]): Promise<string> {
  return new Promise((res) => execFile('curl', ['-s', '-m', '5', ...args, url], { encoding: 'utf8' }, (_e, out) => res(out)));
}

describe('tsweb run with access logs', () => {
  it('writes console lines to the site file, JSON lines to stderr, nothing for log_skip', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'tsweb-e2e-logs-'));
    const p1 = await freePort();
    const p2 = await freePort();
    const file = join(dir, 'logs', 'site.log');
    writeFileSync(
      join(dir, 'Caddyfile'),
      `{
	admin off
}

http://127.0.0.1:${p1} {
	log {
		output file ${file}
		format console
	}
	log_skip /health
	respond /health "up"
	respond /broken "no" 500
	respond "hello"
}

http://127.0.0.1:${p2} {
	log
	respond "two"
}
`,
    );
    const child = spawn(cli, ['run'], { cwd: dir, env: { PATH: process.env.PATH, HOME: dir }, stdio: ['ignore', 'pipe', 'pipe'] });
    track(child);
    let stderr = '';
    child.stderr!.setEncoding('utf8');
    child.stderr!.on('data', (d: string) => (stderr += d));
    const exited = new Promise<number | null>((r) => child.on('exit', (code) => r(code)));
    await until(() => stderr.includes('serving initial configuration'), 'startup');

    expect(await curl(`http://127.0.0.1:${p1}/page?x=1`, '-H', 'Authorization: Basic c2VjcmV0')).toBe('hello');
    expect(await curl(`http://127.0.0.1:${p1}/health`)).toBe('up');
    expect(await curl(`http://127.0.0.1:${p1}/broken`)).toBe('no');
    expect(await curl(`http://127.0.0.1:${p2}/x`)).toBe('two');

    child.kill('SIGTERM');
    expect(await exited).toBe(0);

    const lines = readFileSync(file, 'utf8').trim().split('\n');
    expect(lines).toHaveLength(2);
    const [page, broken] = lines.map((l) => l.split('\t'));
    expect(page!.slice(1, 4)).toEqual(['INFO', 'http.log.access.log0', 'handled request']);
    const fields = JSON.parse(page![4]!);
    expect(fields).toMatchObject({ request: { method: 'GET', uri: '/page?x=1', host: `127.0.0.1:${p1}`, headers: { Authorization: ['REDACTED'] } }, status: 200, size: 5 });
    expect(broken!.slice(1, 3)).toEqual(['ERROR', 'http.log.access.log0']);
    expect(JSON.parse(broken![4]!)).toMatchObject({ status: 500, request: { uri: '/broken' } });
    expect(readFileSync(file, 'utf8')).not.toContain('c2VjcmV0');

    // A bare `log` logs through the default logger (stderr), JSON when not a terminal.
    const json = stderr
      .split('\n')
      .filter((l) => l.includes('"handled request"'))
      .map((l) => JSON.parse(l));
    expect(json).toHaveLength(1);
    expect(json[0]).toMatchObject({ level: 'info', logger: 'http.log.access', msg: 'handled request', status: 200, request: { uri: '/x' } });
    // The site file's lines are not duplicated on stderr.
    expect(stderr).not.toContain('/page?x=1');
  });
});
