/**
 * The http_basic authentication provider (Caddy's caddyauth.HTTPBasicAuth):
 * accounts with bcrypt or argon2id hashes (the provider's `hash.algorithm`
 * says which, as in Caddy: no guessing from the hash text), as `caddy
 * hash-password` / `tsweb hash-password` print them (or their base64 as
 * older Caddyfiles have it), a realm for the WWW-Authenticate challenge
 * ("restricted" by default), and a fake hash for unknown users so a wrong
 * name costs as much as a wrong password.
 *
 * Both hashes are slow on purpose (bcrypt cost 14 ≈ 1 s in pure JS,
 * argon2id at Caddy's defaults ≈ 60 ms), so successful checks are
 * remembered: the cache key is a SHA-256 over the user, the stored hash and
 * the password given, so the plaintext is never kept and a different
 * password never hits. The cache is bounded; the oldest entry goes first.
 * As Caddy's singleflight group does, concurrent checks of the same
 * credentials share one hash computation. Hash comparison is constant-time.
 */
import { createHash } from 'node:crypto';
import type { ResponseWriter } from '../../core/response.js';
import { argon2idFakeHash, argon2idMatches } from './argon2id.js';
import { BCRYPT, bcryptFakeHash, bcryptMatches } from './bcrypt.js';
import type { BasicAuth } from './config.js';

export interface AuthResult {
  user?: string;
  error?: Error;
}

export type Authenticator = (req: { headers: Record<string, string | string[] | undefined> }, res: ResponseWriter) => Promise<AuthResult>;

const CACHE_MAX = 1000;

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

export function compileBasicAuth(config: BasicAuth): Authenticator {
  const { accounts, realm } = config;
  const challenge = `Basic realm="${realm}"`;
  let matches: (hash: string, password: string) => Promise<boolean>;
  let fake: string;
  if (config.algorithm === 'argon2id') {
    matches = argon2idMatches;
    fake = argon2idFakeHash;
  } else {
    matches = bcryptMatches;
    const firstCost = [...accounts.values()].map((h) => BCRYPT.exec(h)?.[1]).find((c) => c !== undefined) ?? '14';
    fake = bcryptFakeHash(firstCost);
  }
  // Checks under way, by cache key: a burst of requests with the same credentials hashes once.
  const inflight = new Map<string, Promise<boolean>>();
  const check = (key: string, hash: string, password: string): Promise<boolean> => {
    let p = inflight.get(key);
    if (p === undefined) {
      p = matches(hash, password).finally(() => inflight.delete(key));
      inflight.set(key, p);
    }
    return p;
  };

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
      same = await check(key, hash, password);
    } catch (err) {
      return deny(err as Error);
    }
    if (!same || stored === undefined) return deny();
    if (cache.size >= CACHE_MAX) cache.delete(cache.keys().next().value!);
    cache.set(key, true);
    return { user };
  };
}
