/**
 * The argon2id password hasher (Caddy 2.10+'s caddyauth.Argon2idHash,
 * http.authentication.hashes.argon2id): PHC strings
 * `$argon2id$v=19$m=<KiB>,t=<passes>,p=<lanes>$<salt>$<key>` with raw
 * (unpadded) standard base64, as golang.org/x/crypto/argon2 makes them.
 *
 * Node 24's crypto.argon2 (OpenSSL's, run on the libuv pool so a verify does
 * not block the event loop) computes them; no native addon, so the SEA
 * executable has it too.
 */
import { argon2, randomBytes, timingSafeEqual } from 'node:crypto';

/** Caddy's defaults (argon2id.go), which `hash-password` uses. */
export const argon2idDefaults = { time: 1, memory: 46 * 1024, threads: 1, keyLen: 32 } as const;
const defaultSaltLength = 16;
/** argon2.Version. */
const version = 19;

export interface Argon2idParams {
  time: number;
  /** KiB. */
  memory: number;
  threads: number;
  keyLen: number;
}

/** Caddy's FakeHash: `caddy hash-password --plaintext antitiming --algorithm argon2id`. */
export const argon2idFakeHash = '$argon2id$v=19$m=47104,t=1,p=1$P2nzckEdTZ3bxCiBCkRTyA$xQL3Z32eo5jKl7u5tcIsnEKObYiyNZQQf5/4sAau6Pg';

/** Go's base64.RawStdEncoding.Strict(): no padding, no stray characters, no non-zero trailing bits. */
function decodeRawStd(text: string, what: string): Buffer {
  const bad = new Error(`decode ${what}: illegal base64 data`);
  if (!/^[A-Za-z0-9+/]*$/.test(text) || text.length % 4 === 1) throw bad;
  const out = Buffer.from(text, 'base64');
  if (out.toString('base64').replace(/=+$/, '') !== text) throw bad;
  return out;
}

/** strconv.ParseUint(s, 10, bits) with Go's words for what went wrong. */
function parseUint(s: string, bits: number, what: string): number {
  if (!/^\d+$/.test(s)) throw new Error(`invalid ${what} parameter: strconv.ParseUint: parsing "${s}": invalid syntax`);
  const n = Number(s);
  if (n >= 2 ** bits) throw new Error(`invalid ${what} parameter: strconv.ParseUint: parsing "${s}": value out of range`);
  return n;
}

interface Decoded extends Argon2idParams {
  salt: Buffer;
  key: Buffer;
}

/** Caddy's DecodeHash, with its errors. */
export function decodeArgon2id(hash: string): Decoded {
  const parts = hash.split('$');
  if (parts.length !== 6) throw new Error('invalid hash format');
  if (parts[1] !== 'argon2id') throw new Error(`unsupported variant: ${parts[1]}`);
  const v = parts[2]!.startsWith('v=') ? parts[2]!.slice(2) : parts[2]!;
  if (!/^[+-]?\d+$/.test(v)) throw new Error(`invalid version: strconv.Atoi: parsing "${v}": invalid syntax`);
  if (Number(v) !== version) throw new Error(`incompatible version: ${Number(v)}`);
  const params = parts[3]!.split(',');
  if (params.length !== 3) throw new Error('invalid parameters');
  const strip = (s: string, p: string) => (s.startsWith(p) ? s.slice(p.length) : s);
  const memory = parseUint(strip(params[0]!, 'm='), 32, 'memory');
  const time = parseUint(strip(params[1]!, 't='), 32, 'iterations');
  const threads = parseUint(strip(params[2]!, 'p='), 8, 'parallelism');
  const salt = decodeRawStd(parts[4]!, 'salt');
  const key = decodeRawStd(parts[5]!, 'key');
  return { time, memory, threads, keyLen: key.length, salt, key };
}

/** argon2.IDKey: Go panics on no passes or lanes and raises memory to its minimum; OpenSSL refuses both. */
function deriveKey(password: Buffer | string, salt: Buffer, p: Argon2idParams): Promise<Buffer> {
  if (p.time < 1) return Promise.reject(new Error('argon2: number of rounds too small'));
  if (p.threads < 1) return Promise.reject(new Error('argon2: parallelism degree too low'));
  // OpenSSL's limits, stricter than Go's: say so instead of its generic message.
  if (salt.length < 8) return Promise.reject(new Error('argon2: salt shorter than 8 bytes is not supported'));
  if (p.keyLen < 4) return Promise.reject(new Error('argon2: key shorter than 4 bytes is not supported'));
  const memory = Math.max(p.memory, 8 * p.threads);
  return new Promise((resolve, reject) => {
    argon2('argon2id', { message: password, nonce: salt, parallelism: p.threads, tagLength: p.keyLen, memory, passes: p.time }, (err, key) =>
      err ? reject(err) : resolve(key),
    );
  });
}

/** Hashes the password again with the stored hash's parameters and salt; compares in constant time. */
export async function argon2idMatches(hash: string, password: string): Promise<boolean> {
  const d = decodeArgon2id(hash);
  const computed = await deriveKey(Buffer.from(password, 'utf8'), d.salt, d);
  return timingSafeEqual(computed, d.key);
}

/** Caddy's Argon2idHash.Hash: a fresh 16-byte salt, the PHC string. */
export async function argon2idHash(password: string, p: Argon2idParams): Promise<string> {
  const salt = randomBytes(defaultSaltLength);
  const key = await deriveKey(Buffer.from(password, 'utf8'), salt, p);
  const b64 = (b: Buffer) => b.toString('base64').replace(/=+$/, '');
  return `$argon2id$v=${version}$m=${p.memory},t=${p.time},p=${p.threads}$${b64(salt)}$${b64(key)}`;
}
