// http_basic with argon2id hashes (Caddy 2.10+'s http.authentication.hashes.argon2id)
// through a real server: the PHC strings Go's x/crypto/argon2 writes
// (Caddy's own fake hash is one, for "antitiming"), wrong and unknown users
// refused, broken hashes refusing rather than crashing, and the cache that
// makes a repeated good login cheap.
import { describe, expect, it, beforeAll, afterAll } from 'vitest';
import { argon2idFakeHash, argon2idHash, argon2idMatches, decodeArgon2id } from '../../../src/modules/authentication/argon2id.js';
import { decodeAuthentication } from '../../../src/modules/authentication/config.js';
import { respond, send, site, type Site } from '../../support/client.js';

const basic = (user: string, pass: string) => 'Basic ' + Buffer.from(`${user}:${pass}`).toString('base64');
// Small parameters keep the suite quick; the format is the same at Caddy's defaults.
const small = { time: 1, memory: 64, threads: 1, keyLen: 32 };

describe('argon2id hashes', () => {
  it('verifies a hash Go made (Caddy\'s fake hash is `hash-password --plaintext antitiming`)', async () => {
    expect(await argon2idMatches(argon2idFakeHash, 'antitiming')).toBe(true);
    expect(await argon2idMatches(argon2idFakeHash, 'antitiminG')).toBe(false);
  });

  it('writes what it reads: v=19, the parameters, unpadded base64 salt (16 bytes) and key', async () => {
    const h = await argon2idHash('pw', { time: 2, memory: 256, threads: 2, keyLen: 24 });
    expect(h).toMatch(/^\$argon2id\$v=19\$m=256,t=2,p=2\$[A-Za-z0-9+/]{22}\$[A-Za-z0-9+/]{32}$/);
    expect(await argon2idMatches(h, 'pw')).toBe(true);
    expect(await argon2idMatches(h, 'pW')).toBe(false);
  });

  it.each([
    ['$argon2id$v=19$m=64,t=1,p=1$c2FsdHNhbHQ', 'invalid hash format'],
    ['$argon2i$v=19$m=64,t=1,p=1$c2FsdHNhbHQ$a2V5a2V5a2V5', 'unsupported variant: argon2i'],
    ['$argon2id$v=16$m=64,t=1,p=1$c2FsdHNhbHQ$a2V5a2V5a2V5', 'incompatible version: 16'],
    ['$argon2id$v=19$m=64,t=1$c2FsdHNhbHQ$a2V5a2V5a2V5', 'invalid parameters'],
    ['$argon2id$v=19$m=x,t=1,p=1$c2FsdHNhbHQ$a2V5a2V5a2V5', 'invalid memory parameter'],
    ['$argon2id$v=19$m=64,t=1,p=256$c2FsdHNhbHQ$a2V5a2V5a2V5', 'invalid parallelism parameter'],
    ['$argon2id$v=19$m=64,t=1,p=1$c2FsdHNhbHQ=$a2V5a2V5a2V5', 'decode salt'],
  ])('%s: %s', (hash, message) => {
    expect(() => decodeArgon2id(hash)).toThrow(message);
  });
});

describe('authentication: http_basic with argon2id', () => {
  let s: Site;
  let alice: string;
  beforeAll(async () => {
    alice = await argon2idHash('wonderland', small);
    const bob = await argon2idHash('builder', small);
    const auth = (accounts: object[]) => ({ handler: 'authentication', providers: { http_basic: { hash: { algorithm: 'argon2id' }, accounts, hash_cache: {} } } });
    s = await site([
      { match: [{ path: ['/slow'] }], handle: [auth([{ username: 'carol', password: argon2idFakeHash }]), respond('slow {http.auth.user.id}')] },
      { match: [{ path: ['/broken'] }], handle: [auth([{ username: 'dave', password: '$argon2id$v=19$nonsense' }]), respond('in')] },
      // The older Caddyfiles' base64 of the hash works too.
      { handle: [auth([{ username: 'alice', password: alice }, { username: 'bob', password: Buffer.from(bob).toString('base64') }]), respond('hello {http.auth.user.id}')] },
    ]);
  });
  afterAll(() => s?.stop());

  it('good credentials pass and set the user id', async () => {
    expect((await send(s.port, '/', { headers: { Authorization: basic('alice', 'wonderland') } })).text).toBe('hello alice');
    expect((await send(s.port, '/', { headers: { Authorization: basic('bob', 'builder') } })).text).toBe('hello bob');
  });

  it.each([
    ['no credentials', undefined],
    ['a wrong password', basic('alice', 'nope')],
    ['an unknown user (checked against the fake hash)', basic('mallory', 'antitiming')],
    ["another user's password", basic('bob', 'wonderland')],
  ])('%s: 401 with the challenge', async (_what, auth) => {
    const r = await send(s.port, '/', auth === undefined ? {} : { headers: { Authorization: auth } });
    expect(r.status).toBe(401);
    expect(r.headers['www-authenticate']).toBe('Basic realm="restricted"');
  });

  it('a hash that does not parse refuses (401), the server keeps serving', async () => {
    expect((await send(s.port, '/broken', { headers: { Authorization: basic('dave', 'x') } })).status).toBe(401);
    expect((await send(s.port, '/', { headers: { Authorization: basic('alice', 'wonderland') } })).status).toBe(200);
  });

  it("at Caddy's default parameters (46 MiB, 1 pass) a repeated good login is answered from the cache", async () => {
    const t0 = performance.now();
    expect((await send(s.port, '/slow', { headers: { Authorization: basic('carol', 'antitiming') } })).text).toBe('slow carol');
    const first = performance.now() - t0;
    // A burst of the same credentials: one hash computation between them, then cache hits.
    const burst = await Promise.all(Array.from({ length: 8 }, () => send(s.port, '/slow', { headers: { Authorization: basic('carol', 'antitiming') } })));
    expect(burst.map((r) => r.status)).toEqual(Array(8).fill(200));
    const t1 = performance.now();
    for (let i = 0; i < 10; i++) await send(s.port, '/slow', { headers: { Authorization: basic('carol', 'antitiming') } });
    const cached = (performance.now() - t1) / 10;
    expect(cached).toBeLessThan(Math.max(first, 50));
    expect((await send(s.port, '/slow', { headers: { Authorization: basic('carol', 'antitiminG') } })).status).toBe(401);
  });

  it('the JSON names the algorithm; an unknown one is refused at load as Caddy words it', () => {
    const accounts = [{ username: 'a', password: argon2idFakeHash }];
    expect(decodeAuthentication({ handler: 'authentication', providers: { http_basic: { hash: { algorithm: 'argon2id' }, accounts } } }).providers[0]!.algorithm).toBe('argon2id');
    expect(decodeAuthentication({ handler: 'authentication', providers: { http_basic: { accounts } } }).providers[0]!.algorithm).toBe('bcrypt');
    expect(() => decodeAuthentication({ handler: 'authentication', providers: { http_basic: { hash: { algorithm: 'scrypt' }, accounts } } })).toThrow(
      'loading password hasher module: unknown module: http.authentication.hashes.scrypt',
    );
  });

  it('an argon2id hash under the bcrypt hasher (no algorithm named) does not authenticate, as in Caddy', async () => {
    const b = await site([{ handle: [{ handler: 'authentication', providers: { http_basic: { accounts: [{ username: 'alice', password: alice }] } } }, respond('in')] }]);
    try {
      expect((await send(b.port, '/', { headers: { Authorization: basic('alice', 'wonderland') } })).status).toBe(401);
    } finally {
      await b.stop();
    }
  });
});
