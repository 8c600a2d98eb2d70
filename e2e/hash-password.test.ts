// `tsweb hash-password` as users run it: the built CLI as a process, the
// plaintext from the flag, a pipe or a terminal (a real pty via python3), and
// the hash it prints put to use by `tsweb run` in a basic_auth site.
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import bcrypt from 'bcryptjs';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { cli, ensureBuilt, freePort, killChildren, track } from './cli-harness.js';

beforeAll(ensureBuilt);
afterEach(killChildren);

interface Result {
  code: number | null;
  stdout: string;
  stderr: string;
}

/**
 * Runs `tsweb hash-password ARGS`, writes `input` to its stdin and leaves
 * stdin open unless told to close it: the command must not wait for EOF
 * once it has its line.
 */
function hashPassword(args: string[], input?: string, close = false): Promise<Result> {
  const child = spawn(cli, ['hash-password', ...args], { stdio: ['pipe', 'pipe', 'pipe'] });
  track(child);
  let stdout = '';
  let stderr = '';
  child.stdout!.setEncoding('utf8').on('data', (d: string) => (stdout += d));
  child.stderr!.setEncoding('utf8').on('data', (d: string) => (stderr += d));
  child.stdin!.on('error', () => {}); // the command may exit before reading everything
  if (input !== undefined) child.stdin!.write(input);
  if (close) child.stdin!.end();
  return new Promise((res) => {
    const timer = setTimeout(() => child.kill('SIGKILL'), 15000);
    child.on('close', (code) => {
      clearTimeout(timer);
      child.stdin!.destroy();
      res({ code, stdout, stderr });
    });
  });
}

const BCRYPT = /^\$2a\$(\d\d)\$[./A-Za-z0-9]{53}\n$/;

describe('tsweb hash-password', () => {
  it('--plaintext: prints a bcrypt hash at Caddy\'s default cost 14 that verifies', async () => {
    const r = await hashPassword(['--plaintext', 'hunter2']);
    expect(r).toMatchObject({ code: 0, stderr: '' });
    expect(r.stdout).toMatch(BCRYPT);
    expect(BCRYPT.exec(r.stdout)![1]).toBe('14');
    const hash = r.stdout.trim();
    expect(await bcrypt.compare('hunter2', hash)).toBe(true);
    expect(await bcrypt.compare('hunter3', hash)).toBe(false);
  });

  it('reads one line from stdin when it is not a terminal, without waiting for EOF', async () => {
    const r = await hashPassword(['--bcrypt-cost', '4'], 'pässwörd\nnext line\n');
    expect(r.code).toBe(0);
    expect(BCRYPT.exec(r.stdout)![1]).toBe('04');
    expect(await bcrypt.compare('pässwörd', r.stdout.trim())).toBe(true);
  });

  it('fails as Caddy does on input without a line, an empty line, and algorithms it cannot hash', async () => {
    expect(await hashPassword([], 'no newline', true)).toMatchObject({ code: 1, stdout: '', stderr: 'Error: EOF\n' });
    expect(await hashPassword([], '\n')).toMatchObject({ code: 1, stdout: '', stderr: 'Error: plaintext is required\n' });
    // argon2id hashes now (e2e/argon2id.test.ts); scrypt is gone from Caddy too.
    expect(await hashPassword(['--plaintext', 'x', '--algorithm', 'scrypt'])).toMatchObject({ code: 1, stdout: '', stderr: 'Error: unrecognized hash algorithm: scrypt\n' });
    expect(await hashPassword(['-p', 'x', '-a', 'md5'])).toMatchObject({ code: 1, stderr: 'Error: unrecognized hash algorithm: md5\n' });
    const usage = await hashPassword(['--bcrypt-cost', 'high', '-p', 'x']);
    expect(usage.code).toBe(2);
    expect(usage.stderr).toContain('invalid argument "high" for "--bcrypt-cost" flag');
  });

  // python3 (on every machine of this kind) drives a real pseudo-terminal.
  const python = spawnSync('python3', ['-c', 'import pty'], { stdio: 'ignore' }).status === 0;

  /** Runs the command on a real pty, typing `keys` after each prompt appears. */
  function onTerminal(args: string[], keys: string[]): Result {
    const script = `
import os, pty, sys, time, select, json
pid, fd = pty.fork()
if pid == 0:
    os.execv(sys.argv[1], [sys.argv[1], 'hash-password'] + json.loads(sys.argv[3]))
out = b''
def read_until(token, limit):
    global out
    end = time.time() + limit
    while time.time() < end and token not in out:
        r, _, _ = select.select([fd], [], [], 0.05)
        if r:
            try:
                chunk = os.read(fd, 4096)
            except OSError:
                return
            if not chunk:
                return
            out += chunk
for key, prompt in zip(json.loads(sys.argv[2]), [b'Enter password: ', b'Confirm password: ']):
    read_until(prompt, 10)
    os.write(fd, key.encode())
read_until(b'\\x00never', 10)
_, status = os.waitpid(pid, 0)
sys.stdout.write(json.dumps({'code': os.waitstatus_to_exitcode(status), 'out': out.decode('utf-8', 'replace')}))
`;
    const r = spawnSync('python3', ['-c', script, cli, JSON.stringify(keys), JSON.stringify(args)], { encoding: 'utf8', timeout: 30000 });
    const parsed = JSON.parse(r.stdout) as { code: number; out: string };
    return { code: parsed.code, stdout: parsed.out, stderr: r.stderr };
  }

  it('asks twice on a terminal without echoing, with line editing; refuses a mismatch', () => {
    expect(python, 'python3 with the pty module is needed to drive a terminal').toBe(true);
    // "séx" + two backspaces (the second removes the two-byte é) + "ecret" → "secret".
    const ok = onTerminal(['--bcrypt-cost', '4'], ['s\u00e9x\x7f\x7fecret\r', 'secret\r']);
    expect(ok.code).toBe(0);
    expect(ok.stdout).toMatch(/^Enter password: \r\nConfirm password: \r\n\$2a\$04\$/);
    expect(ok.stdout).not.toContain('secret');
    expect(bcrypt.compareSync('secret', ok.stdout.split('\r\n')[2]!)).toBe(true);

    const mismatch = onTerminal(['--bcrypt-cost', '4'], ['secret\r', 'secrat\r']);
    expect(mismatch.code).toBe(1);
    expect(mismatch.stdout).toContain('Error: password does not match');
  });
});


describe('a hash from tsweb hash-password in basic_auth', () => {
  it('lets the right password in (200) and keeps a wrong one out (401)', async () => {
    const hash = (await hashPassword(['--plaintext', 'open sesame', '--bcrypt-cost', '4'])).stdout.trim();
    const port = await freePort();
    const dir = mkdtempSync(join(tmpdir(), 'tsweb-hash-'));
    writeFileSync(
      join(dir, 'Caddyfile'),
      `{\n\tadmin off\n}\n\n:${port} {\n\tbasic_auth {\n\t\tali ${hash}\n\t}\n\trespond "welcome {http.auth.user.id}"\n}\n`,
    );
    const server = spawn(cli, ['run'], { cwd: dir, env: { PATH: process.env.PATH, HOME: dir }, stdio: ['ignore', 'ignore', 'pipe'] });
    track(server);
    let log = '';
    server.stderr!.setEncoding('utf8').on('data', (d: string) => (log += d));
    const end = Date.now() + 8000;
    while (!log.includes('serving initial configuration') && Date.now() < end && server.exitCode === null) await new Promise((r) => setTimeout(r, 50));
    expect(log).toContain('serving initial configuration');

    const as = (user: string, pass: string) => ({ authorization: `Basic ${Buffer.from(`${user}:${pass}`).toString('base64')}` });
    const url = `http://127.0.0.1:${port}/`;
    const right = await fetch(url, { headers: as('ali', 'open sesame') });
    expect(right.status).toBe(200);
    expect(await right.text()).toBe('welcome ali');
    const wrong = await fetch(url, { headers: as('ali', 'open sesame!') });
    expect(wrong.status).toBe(401);
    expect(wrong.headers.get('www-authenticate')).toBe('Basic realm="restricted"');
    expect((await fetch(url)).status).toBe(401);

    server.kill('SIGTERM');
    expect(await new Promise((r) => server.on('exit', r))).toBe(0);
  });
});
