/**
 * `tsweb hash-password`: Caddy's `caddy hash-password`
 * (modules/caddyhttp/caddyauth/command.go). Prints a bcrypt or argon2id
 * hash for basic_auth / http_basic accounts.
 *
 * The plaintext comes from --plaintext or else stdin: on a terminal it is
 * asked for twice without echo and both must match; otherwise one line is
 * read (up to the first newline, which is dropped; input ending without a
 * newline is refused with "EOF", as Caddy does).
 *
 * --bcrypt-cost is Caddy's (2.7+) flag; as there, a cost outside bcrypt's
 * range 4..31 falls back to the default 14. --algorithm argon2id and its
 * --argon2id-time/-memory/-threads/-keylen are Caddy 2.10's, with its
 * defaults (1 pass, 46 MiB, 1 lane, 32 bytes). scrypt (Caddy ≤ 2.6) is
 * refused: no basic_auth verifies it any more.
 *
 * Exit codes as Caddy's: 0 with the hash on stdout, 1 on any failure, 2 on
 * a usage error.
 */
import bcrypt from 'bcryptjs';
import { argon2idDefaults, argon2idHash } from '../modules/authentication/argon2id.js';
import type { Command } from './command.js';
import { ConfigError } from './errors.js';
import { type FlagSpec, flagsHelp, UsageError } from './flags.js';
import { type CliIO, processIO } from './io.js';
import { runFlagsVerb } from './verb.js';

/** Caddy's defaultBcryptCost. */
const defaultCost = 14;

const flags: FlagSpec[] = [
  { name: 'plaintext', short: 'p', type: 'string', valueName: 'string', help: 'The plaintext password' },
  { name: 'algorithm', short: 'a', type: 'string', valueName: 'string', default: 'bcrypt', help: 'Name of the hash algorithm' },
  { name: 'bcrypt-cost', type: 'string', valueName: 'int', default: String(defaultCost), help: "Bcrypt hashing cost (only used with 'bcrypt' algorithm)" },
  { name: 'argon2id-time', type: 'string', valueName: 'uint32', default: String(argon2idDefaults.time), help: 'Number of iterations for Argon2id hashing. Increasing this makes the hash slower and more resistant to brute-force attacks.' },
  { name: 'argon2id-memory', type: 'string', valueName: 'uint32', default: String(argon2idDefaults.memory), help: 'Memory to use in KiB for Argon2id hashing. Larger values increase resistance to GPU/ASIC attacks.' },
  { name: 'argon2id-threads', type: 'string', valueName: 'uint8', default: String(argon2idDefaults.threads), help: 'Number of CPU threads to use for Argon2id hashing. Increase for faster hashing on multi-core systems.' },
  { name: 'argon2id-keylen', type: 'string', valueName: 'uint32', default: String(argon2idDefaults.keyLen), help: 'Length of the resulting Argon2id hash in bytes. Longer hashes increase security but slightly increase storage size.' },
];

const usage = `Convenient way to hash a plaintext password. The resulting
hash is written to stdout.

--plaintext, when omitted, will be read from stdin. If tsweb is attached
to a controlling tty, the password is asked for twice and not echoed.

--algorithm selects the hashing algorithm. Valid options are:
  * 'argon2id' (recommended for modern security)
  * 'bcrypt'  (legacy, slower, configurable cost; the default)
basic_auth must name the same algorithm: basic_auth argon2id { ... }

--bcrypt-cost sets the bcrypt hashing difficulty. Higher values increase
security by making the hash computation slower and more CPU-intensive.
If the provided cost is not within the valid range [4, 31], the default
value (14) will be used instead.

--argon2id-time, --argon2id-memory (KiB), --argon2id-threads and
--argon2id-keylen (bytes) set the argon2id parameters.

Usage:
  tsweb hash-password [--plaintext <password>] [--algorithm <argon2id|bcrypt>] [--bcrypt-cost <difficulty>] [--argon2id-time <iterations>] [--argon2id-memory <KiB>] [--argon2id-threads <n>] [--argon2id-keylen <bytes>]

Flags:
${flagsHelp(flags)}
`;

/** Where the plaintext comes from when --plaintext is not given. */
export interface PasswordInput {
  isTTY: boolean;
  /** One line without its newline; rejects with "EOF" if the input ends first. */
  readLine(): Promise<string>;
  /** Prompts on stderr and reads one line from the terminal without echo. */
  readSecret(prompt: string): Promise<string>;
}

/** Reads stdin up to the first newline and no further (the rest stays unread, as with Go's bufio). */
function readStdinLine(): Promise<string> {
  const stdin = process.stdin;
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    const cleanup = () => {
      stdin.off('data', onData);
      stdin.off('end', onEnd);
      stdin.off('error', onError);
      stdin.pause();
      // A pipe left open by the writer must not keep the process alive.
      stdin.destroy();
    };
    const onData = (chunk: Buffer) => {
      const nl = chunk.indexOf(0x0a);
      if (nl < 0) {
        chunks.push(chunk);
        return;
      }
      chunks.push(chunk.subarray(0, nl));
      cleanup();
      resolve(Buffer.concat(chunks).toString('utf8'));
    };
    const onEnd = () => {
      cleanup();
      reject(new ConfigError('EOF'));
    };
    const onError = (err: Error) => {
      cleanup();
      reject(new ConfigError(err.message));
    };
    stdin.on('data', onData);
    stdin.on('end', onEnd);
    stdin.on('error', onError);
  });
}

/**
 * term.ReadPassword in Node: the terminal in raw mode (no echo), the line
 * assembled by hand — Enter ends it, backspace and Ctrl-U edit it, Ctrl-C
 * restores the terminal and exits 1 as Caddy's signal handler does, Ctrl-D
 * on an empty line is EOF.
 */
function readSecretFromTTY(prompt: string): Promise<string> {
  const stdin = process.stdin;
  // Echo off before the prompt shows: whatever is typed once it is visible stays hidden.
  stdin.setRawMode(true);
  process.stderr.write(prompt);
  return new Promise((resolve, reject) => {
    let line: number[] = [];
    const finish = (err: Error | null) => {
      stdin.off('data', onData);
      stdin.setRawMode(false);
      stdin.pause();
      process.stderr.write('\n');
      if (err) reject(err);
      else resolve(Buffer.from(line).toString('utf8'));
    };
    const onData = (chunk: Buffer) => {
      for (const b of chunk) {
        if (b === 0x0d || b === 0x0a) return finish(null);
        if (b === 0x03) {
          stdin.setRawMode(false);
          process.stderr.write('\n');
          process.exit(1);
        }
        if (b === 0x04) {
          if (line.length === 0) return finish(new ConfigError('EOF'));
          continue;
        }
        if (b === 0x7f || b === 0x08) {
          // Drop one character: a UTF-8 lead byte and its continuation bytes.
          let i = line.length - 1;
          while (i > 0 && (line[i]! & 0xc0) === 0x80) i--;
          line = line.slice(0, Math.max(i, 0));
          continue;
        }
        if (b === 0x15) {
          line = [];
          continue;
        }
        line.push(b);
      }
    };
    stdin.on('data', onData);
    stdin.resume();
  });
}

function processInput(): PasswordInput {
  return { isTTY: process.stdin.isTTY === true, readLine: readStdinLine, readSecret: readSecretFromTTY };
}

/** pflag's Int: a Go int, as strconv.ParseInt with base 0 reads it. */
function parseCost(value: string): number {
  const n = /^[+-]?\d+$/.test(value) ? Number(value) : NaN;
  if (!Number.isSafeInteger(n)) {
    throw new UsageError(`invalid argument "${value}" for "--bcrypt-cost" flag: strconv.ParseInt: parsing "${value}": invalid syntax`);
  }
  return n;
}

/** pflag's Uint32 / Uint8: strconv.ParseUint with base 0 and the type's size. */
function parseUint(name: string, value: string, bits: number): number {
  let n = NaN;
  if (/^0[xX][0-9a-fA-F]+$/.test(value)) n = parseInt(value.slice(2), 16);
  else if (/^0[bB][01]+$/.test(value)) n = parseInt(value.slice(2), 2);
  else if (/^0[oO]?[0-7]+$/.test(value)) n = parseInt(value.replace(/^0[oO]?/, ''), 8);
  else if (/^\d+$/.test(value)) n = Number(value);
  if (Number.isNaN(n)) throw new UsageError(`invalid argument "${value}" for "--${name}" flag: strconv.ParseUint: parsing "${value}": invalid syntax`);
  if (n >= 2 ** bits) throw new UsageError(`invalid argument "${value}" for "--${name}" flag: strconv.ParseUint: parsing "${value}": value out of range`);
  return n;
}

async function readPlaintext(input: PasswordInput): Promise<string> {
  let plaintext: string;
  if (input.isTTY) {
    plaintext = await input.readSecret('Enter password: ');
    const confirmation = await input.readSecret('Confirm password: ');
    if (plaintext !== confirmation) throw new ConfigError('password does not match');
  } else {
    plaintext = await input.readLine();
  }
  if (plaintext === '') throw new ConfigError('plaintext is required');
  return plaintext;
}

export async function runHashPassword(args: string[], io: CliIO, input: PasswordInput = processInput()): Promise<number> {
  return runFlagsVerb(io, usage, args, flags, async (opts) => {
    const algorithm = opts.strings.get('algorithm')!;
    let cost = parseCost(opts.strings.get('bcrypt-cost')!);
    const argon = {
      time: parseUint('argon2id-time', opts.strings.get('argon2id-time')!, 32),
      memory: parseUint('argon2id-memory', opts.strings.get('argon2id-memory')!, 32),
      threads: parseUint('argon2id-threads', opts.strings.get('argon2id-threads')!, 8),
      keyLen: parseUint('argon2id-keylen', opts.strings.get('argon2id-keylen')!, 32),
    };
    // Refuse an algorithm before asking for a password it cannot hash.
    if (algorithm !== 'bcrypt' && algorithm !== 'argon2id') throw new ConfigError(`unrecognized hash algorithm: ${algorithm}`);

    const given = opts.strings.get('plaintext')!;
    const plaintext = given !== '' ? given : await readPlaintext(input);
    if (algorithm === 'argon2id') {
      let hash: string;
      try {
        hash = await argon2idHash(plaintext, argon);
      } catch (err) {
        throw new ConfigError((err as Error).message);
      }
      io.stdout(`${hash}\n`);
      return 0;
    }
    if (cost < 4 || cost > 31) cost = defaultCost;
    // bcrypt reads at most 72 bytes; Go's bcrypt refuses more (Go ≥ 1.24 returns ErrPasswordTooLong).
    if (Buffer.byteLength(plaintext) > 72) throw new ConfigError('bcrypt: password length exceeds 72 bytes');
    const hash = await bcrypt.hash(plaintext, await bcrypt.genSalt(cost));
    // Go's bcrypt writes the $2a$ prefix; bcryptjs writes $2b$. Same hash either way.
    io.stdout(`${hash.replace(/^\$2b\$/, '$2a$')}\n`);
    return 0;
  });
}

export const command: Command = {
  name: 'hash-password',
  summary: 'Hashes a password and writes it to stdout',
  usage,
  run: (args) => runHashPassword(args, processIO()),
};
