// argon2id end to end with the built executable (a Node SEA: crypto.argon2
// must be there, no addon): `tsweb hash-password --algorithm argon2id` at
// Caddy's defaults and with its flags, then `basic_auth argon2id { ... }`
// in a Caddyfile run by `tsweb run`, with a hash Caddy (Go) made as well.
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { argon2idMatches } from '../src/modules/authentication/argon2id.js';
import { cli, ensureBuilt, freePort, killChildren, track, until } from './cli-harness.js';

beforeAll(ensureBuilt);
afterEach(killChildren);

function run(args: string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const child = track(spawn(cli, args, { stdio: ['ignore', 'pipe', 'pipe'] }));
  let stdout = '';
  let stderr = '';
  child.stdout!.setEncoding('utf8').on('data', (d: string) => (stdout += d));
  child.stderr!.setEncoding('utf8').on('data', (d: string) => (stderr += d));
  return new Promise((res) => child.on('close', (code) => res({ code, stdout, stderr })));
}

// Caddy's FakeHash, which Go's x/crypto/argon2 made for "antitiming".
const GO_HASH = '$argon2id$v=19$m=47104,t=1,p=1$P2nzckEdTZ3bxCiBCkRTyA$xQL3Z32eo5jKl7u5tcIsnEKObYiyNZQQf5/4sAau6Pg';

describe('tsweb hash-password --algorithm argon2id', () => {
  it("prints a PHC string with Caddy's defaults (m=47104, t=1, p=1, 32-byte key) that verifies", async () => {
    const r = await run(['hash-password', '--plaintext', 'hunter2', '--algorithm', 'argon2id']);
    expect(r).toMatchObject({ code: 0, stderr: '' });
    expect(r.stdout).toMatch(/^\$argon2id\$v=19\$m=47104,t=1,p=1\$[A-Za-z0-9+/]{22}\$[A-Za-z0-9+/]{43}\n$/);
    expect(await argon2idMatches(r.stdout.trim(), 'hunter2')).toBe(true);
    expect(await argon2idMatches(r.stdout.trim(), 'hunter3')).toBe(false);
  });

  it('takes --argon2id-time, -memory, -threads and -keylen; bad values are usage errors', async () => {
    const r = await run(['hash-password', '-p', 'x', '-a', 'argon2id', '--argon2id-time', '2', '--argon2id-memory', '1024', '--argon2id-threads', '2', '--argon2id-keylen', '16']);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^\$argon2id\$v=19\$m=1024,t=2,p=2\$[A-Za-z0-9+/]{22}\$[A-Za-z0-9+/]{22}\n$/);
    expect(await argon2idMatches(r.stdout.trim(), 'x')).toBe(true);
    const bad = await run(['hash-password', '-p', 'x', '-a', 'argon2id', '--argon2id-threads', '256']);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain('invalid argument "256" for "--argon2id-threads" flag: strconv.ParseUint: parsing "256": value out of range');
    const zero = await run(['hash-password', '-p', 'x', '-a', 'argon2id', '--argon2id-time', '0']);
    expect(zero).toMatchObject({ code: 1, stdout: '' });
    expect(zero.stderr).toContain('argon2: number of rounds too small');
  });
});

describe('basic_auth argon2id in a Caddyfile', () => {
  it('lets the right passwords in (200), keeps wrong ones and unknown users out (401)', async () => {
    const made = (await run(['hash-password', '--plaintext', 'open sesame', '--algorithm', 'argon2id'])).stdout.trim();
    const port = await freePort();
    const dir = mkdtempSync(join(tmpdir(), 'tsweb-argon-'));
    try {
      writeFileSync(
        join(dir, 'Caddyfile'),
        `{\n\tadmin off\n}\n\n:${port} {\n\tbasic_auth argon2id "Members" {\n\t\tali ${made}\n\t\tgo ${GO_HASH}\n\t}\n\trespond "welcome {http.auth.user.id}"\n}\n`,
      );
      const server = track(spawn(cli, ['run'], { cwd: dir, env: { PATH: process.env.PATH, HOME: dir }, stdio: ['ignore', 'ignore', 'pipe'] }));
      let log = '';
      server.stderr!.setEncoding('utf8').on('data', (d: string) => (log += d));
      await until(() => log.includes('serving initial configuration') || server.exitCode !== null, 'tsweb run');
      expect(log).toContain('serving initial configuration');

      const as = (user: string, pass: string) => ({ authorization: `Basic ${Buffer.from(`${user}:${pass}`).toString('base64')}` });
      const url = `http://127.0.0.1:${port}/`;
      const right = await fetch(url, { headers: as('ali', 'open sesame') });
      expect(right.status).toBe(200);
      expect(await right.text()).toBe('welcome ali');
      expect(await (await fetch(url, { headers: as('go', 'antitiming') })).text()).toBe('welcome go');
      const wrong = await fetch(url, { headers: as('ali', 'open sesame!') });
      expect(wrong.status).toBe(401);
      expect(wrong.headers.get('www-authenticate')).toBe('Basic realm="Members"');
      expect((await fetch(url, { headers: as('eve', 'antitiming') })).status).toBe(401);

      server.kill('SIGTERM');
      expect(await new Promise((r) => server.on('exit', r))).toBe(0);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
