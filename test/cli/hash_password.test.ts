// `tsweb hash-password --algorithm argon2id` in process (the built CLI is
// e2e/argon2id.test.ts): the hash for a password typed on a terminal or
// piped, Caddy's flags in the help, and Go's flag-parsing errors.
import { describe, expect, it } from 'vitest';
import { runHashPassword, type PasswordInput } from '../../src/cli/hash_password.js';
import type { CliIO } from '../../src/cli/io.js';
import { argon2idMatches } from '../../src/modules/authentication/argon2id.js';

function io(): CliIO & { out: string; err: string } {
  const o = { out: '', err: '', cwd: process.cwd(), env: {}, stderrIsTTY: false, readStdin: async () => '' } as CliIO & { out: string; err: string };
  o.stdout = (t) => void (o.out += t);
  o.stderr = (t) => void (o.err += t);
  return o;
}

const piped = (line: string): PasswordInput => ({ isTTY: false, readLine: async () => line, readSecret: async () => '' });
const typed = (...answers: string[]): PasswordInput => ({ isTTY: true, readLine: async () => '', readSecret: async () => answers.shift() ?? '' });

describe('hash-password --algorithm argon2id', () => {
  it('hashes a piped password at small parameters; the hash verifies', async () => {
    const o = io();
    expect(await runHashPassword(['-a', 'argon2id', '--argon2id-memory', '0x40'], o, piped('pässwörd'))).toBe(0);
    expect(o.out).toMatch(/^\$argon2id\$v=19\$m=64,t=1,p=1\$/);
    expect(await argon2idMatches(o.out.trim(), 'pässwörd')).toBe(true);
  });

  it('asks twice on a terminal and refuses a mismatch before hashing', async () => {
    const o = io();
    expect(await runHashPassword(['-a', 'argon2id'], o, typed('one', 'two'))).toBe(1);
    expect(o.out).toBe('');
    expect(o.err).toContain('password does not match');
  });

  it("lists Caddy's argon2id flags with their defaults", async () => {
    const o = io();
    await runHashPassword(['--help'], o, piped(''));
    const help = o.out + o.err;
    for (const f of ['--argon2id-time uint32', '(default "1")', '--argon2id-memory uint32', '(default "47104")', '--argon2id-threads uint8', '--argon2id-keylen uint32', '(default "32")']) {
      expect(help).toContain(f);
    }
  });

  it('a value that is not an unsigned integer is a usage error (exit 2)', async () => {
    const o = io();
    expect(await runHashPassword(['-a', 'argon2id', '-p', 'x', '--argon2id-memory', '-5'], o)).toBe(2);
    expect(o.err).toContain('invalid argument "-5" for "--argon2id-memory" flag: strconv.ParseUint: parsing "-5": invalid syntax');
  });
});
