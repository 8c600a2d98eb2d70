// The ACME server's file state: nonces are good once, across instances
// sharing the folder (as workers and processes do), and old ones are refused
// and swept.
import { mkdtempSync, readdirSync, rmSync, utimesSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { ACMEState, databaseKey } from '../../../src/modules/acme_server/state.js';

const dir = mkdtempSync(join(tmpdir(), 'tsweb-acme-state-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('ACMEState', () => {
  it('a nonce from one instance is accepted once by another', async () => {
    const a = new ACMEState(join(dir, 'x'));
    const b = new ACMEState(join(dir, 'x'));
    const n = await a.newNonce();
    const results = await Promise.all([b.useNonce(n), a.useNonce(n), b.useNonce(n)]);
    expect(results.filter(Boolean)).toHaveLength(1);
    expect(await a.useNonce('../../etc/passwd')).toBe(false);
    expect(await a.useNonce('never-issued')).toBe(false);
  });

  it('nonces older than an hour are refused and swept', async () => {
    const s = new ACMEState(join(dir, 'y'));
    const old = await s.newNonce();
    const fresh = await s.newNonce();
    const past = (Date.now() - 2 * 3600_000) / 1000;
    utimesSync(join(dir, 'y', 'nonces', old), past, past);
    expect(await s.sweepNonces()).toBe(1);
    expect(readdirSync(join(dir, 'y', 'nonces'))).toEqual([fresh]);
    expect(await s.useNonce(old)).toBe(false);
    expect(await s.useNonce(fresh)).toBe(true);
  });

  it('orders and authorizations untouched for 30 days are swept; certificates stay', async () => {
    const s = new ACMEState(join(dir, 'z'));
    const id = { type: 'dns' as const, value: 'a.test' };
    await s.putOrder({ id: 'old', accountId: 'a', identifiers: [id], authzIds: ['oldz'], expires: new Date().toISOString() });
    await s.putAuthz({ id: 'oldz', accountId: 'a', identifier: id, wildcard: false, expires: new Date().toISOString(), status: 'pending', challenges: [] });
    await s.putOrder({ id: 'new', accountId: 'a', identifiers: [id], authzIds: [], expires: new Date().toISOString() });
    await s.putCert({ id: 'c', accountId: 'a', serial: '0abc' }, 'PEM');
    const past = (Date.now() - 31 * 24 * 3600_000) / 1000;
    for (const f of ['orders/old.json', 'authz/oldz.json', 'certs/c.json']) utimesSync(join(dir, 'z', f), past, past);
    expect(await s.sweepOld()).toBe(2);
    expect(await s.order('old')).toBeUndefined();
    expect(await s.authz('oldz')).toBeUndefined();
    expect((await s.order('new'))?.id).toBe('new');
    expect(await s.certPEM('c')).toBe('PEM');
    expect(await s.serialOwner('ABC')).toBe('a');
  });

  it('the folder name is Caddy\'s database key, with no way out of acme_server/', () => {
    expect(databaseKey(' Local ')).toBe('local');
    expect(databaseKey('my ca!')).toBe('myca');
    expect(databaseKey('../x')).toBe('..x');
    expect(databaseKey('..')).toBe('_');
  });
});
