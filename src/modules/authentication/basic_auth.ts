/**
 * The http_basic authentication provider (Caddy's caddyauth.HTTPBasicAuth):
 * accounts with bcrypt hashes, as `caddy hash-password` / `tsweb
 * hash-password` print them (the `$2a$...` text, or its base64 as older
 * Caddyfiles have it), a realm for the WWW-Authenticate challenge
 * ("restricted" by default), and a fake hash for unknown users so a wrong
 * name costs as much as a wrong password.
 *
 * bcrypt is slow on purpose (cost 14 ≈ 1 s in pure JS), so successful
 * checks are remembered: the cache key is a SHA-256 over the user, the
 * stored hash and the password given, so the plaintext is never kept and a
 * different password never hits. The cache is bounded; the oldest entry
 * goes first. Hash comparison is constant-time.
 */
import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import type { ResponseWriter } from '../../core/response.js';
import bcrypt from 'bcryptjs';
import type { BasicAuth } from './config.js';

export interface AuthResult {
  user?: string;
  error?: Error;
}

export type Authenticator = (req: { headers: Record<string, string | string[] | undefined> }, res: ResponseWriter) => Promise<AuthResult>;

const CACHE_MAX = 1000;
const BCRYPT = /^\$2[abxy]?\$(\d\d)\$[./A-Za-z0-9]{53}$/;
const B64 = './ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';

/** Go's Request.BasicAuth: "Basic " (any case) + standard base64 of user:password. */
export function parseBasicAuth(header: string | undefined): [string, string] | null {
  if (header === undefined || header.length < 6 || header.slice(0, 6).toLowerCase() !== 'basic ') return null;
  const b64 = header.slice(6);
  // Go's StdEncoding is strict: padding required, no stray characters.
  if (b64.length % 4 !== 0 || !/^[A-Za-z0-9+/]*={0,2}$/.test(b64)) return null;
  const text = Buffer.from(b64, 'base64').toString('latin1');
  const colon = text.indexOf(':');
  if (colon < 0) return null;
  // Go compares bytes; decode as UTF-8 for names and passwords written in it.
  const bytes = Buffer.from(text, 'latin1');
  const user = bytes.subarray(0, colon).toString('utf8');
  const pass = bytes.subarray(colon + 1).toString('utf8');
  return [user, pass];
}

/** A syntactically valid bcrypt hash nobody's password produces, at the given cost. */
function fakeHash(cost: string): string {
  let salt = '';
  for (const b of randomBytes(53)) salt += B64[b & 63];
  return `$2a$${cost}$${salt}`;
}

/** bcrypt the password with the stored hash's salt and compare the results in constant time. */
async function bcryptMatches(hash: string, password: string): Promise<boolean> {
  if (!BCRYPT.test(hash)) throw new Error('crypto/bcrypt: hashedSecret is not a valid bcrypt hash');
  // 2a, 2b and 2y hash the same way (they differ only in old implementations' bugs).
  const norm = hash.replace(/^\$2[abxy]?\$/, '$2a$');
  const computed = Buffer.from(await bcrypt.hash(password, norm.slice(0, 29)));
  const expected = Buffer.from(norm);
  return computed.length === expected.length && timingSafeEqual(computed, expected);
}

export function compileBasicAuth(config: BasicAuth): Authenticator {
  const { accounts, realm } = config;
  const challenge = `Basic realm="${realm}"`;
  const firstCost = [...accounts.values()].map((h) => BCRYPT.exec(h)?.[1]).find((c) => c !== undefined) ?? '14';
  const fake = fakeHash(firstCost);

  // Successful checks, by SHA-256(user, hash, password); insertion order doubles as age.
  const cache = new Map<string, true>();
  const cacheKey = (user: string, hash: string, password: string) =>
    createHash('sha256').update(user).update('\0').update(hash).update('\0').update(password).digest('base64');

  return async (req, res) => {
    const header = req.headers.authorization;
    const creds = parseBasicAuth(Array.isArray(header) ? header[0] : header);
    const deny = (error?: Error): AuthResult => {
      res.setHeader('WWW-Authenticate', challenge);
      return error ? { error } : {};
    };
    if (creds === null) return deny();
    const [user, password] = creds;
    const stored = accounts.get(user);
    const hash = stored ?? fake;
    const key = cacheKey(user, hash, password);
    if (stored !== undefined && cache.has(key)) {
      cache.delete(key);
      cache.set(key, true);
      return { user };
    }
    let same: boolean;
    try {
      same = await bcryptMatches(hash, password);
    } catch (err) {
      return deny(err as Error);
    }
    if (!same || stored === undefined) return deny();
    if (cache.size >= CACHE_MAX) cache.delete(cache.keys().next().value!);
    cache.set(key, true);
    return { user };
  };
}
