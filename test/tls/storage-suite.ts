/**
 * The semantics every Storage backend must have: certmagic's Storage
 * contract as oyato/certmagic-storage-tests (suite.go) checks it, plus the
 * parts tsweb relies on (NotExistError, tryLock, cancelling a wait, deleting
 * directories, distributed challenge data). Run it for each backend:
 *
 *   storageSuite('FileStorage', async () => ({ storage, cleanup }));
 */
import { afterEach, describe, expect, it } from 'vitest';
import { deleteChallenge, loadChallenge, storeChallenge, type ACMEChallenge } from '../../src/tls/challenges.js';
import { isNotExist, NotExistError, type Storage, withLock } from '../../src/tls/storage.js';

export interface SuiteStorage {
  storage: Storage;
  cleanup?: () => Promise<void>;
}

let seq = 0;
/** A fresh key prefix per test: backends may be shared between tests. */
const randKey = () => `__test__key__${process.pid}_${Date.now()}_${seq++}`;

export function storageSuite(name: string, make: () => Promise<SuiteStorage>): void {
  describe(`${name}: certmagic storage semantics`, () => {
    let cur: SuiteStorage | undefined;
    const open = async () => (cur = await make()).storage;
    afterEach(async () => {
      await cur?.cleanup?.();
      cur = undefined;
    });

    describe('locker', () => {
      it('refuses to unlock a key that is not locked, then locks and unlocks it', async () => {
        const s = await open();
        const key = randKey();
        await expect(s.unlock(key)).rejects.toThrow();
        await s.lock(key);
        await s.unlock(key);
        await expect(s.unlock(key)).rejects.toThrow();
      });

      it('lets one holder at a time in, with concurrent lockers on several keys', async () => {
        const s = await open();
        const keys = Array.from({ length: 5 }, randKey);
        const holders = new Map<string, number>();
        let maxHolders = 0;
        const worker = async (key: string) => {
          for (let i = 0; i < 5; i++) {
            await s.lock(key);
            const n = (holders.get(key) ?? 0) + 1;
            holders.set(key, n);
            maxHolders = Math.max(maxHolders, n);
            await new Promise((r) => setTimeout(r, 1));
            holders.set(key, holders.get(key)! - 1);
            await s.unlock(key);
          }
        };
        await Promise.all(keys.flatMap((k) => [worker(k), worker(k)]));
        expect(maxHolders).toBe(1);
      });

      it('tryLock takes a free lock and refuses a held one without waiting', async () => {
        const s = await open();
        const key = randKey();
        expect(await s.tryLock(key)).toBe(true);
        const t0 = Date.now();
        expect(await s.tryLock(key)).toBe(false);
        expect(Date.now() - t0).toBeLessThan(500);
        await s.unlock(key);
        expect(await s.tryLock(key)).toBe(true);
        await s.unlock(key);
      });

      it('stops waiting for a held lock when the signal aborts', async () => {
        const s = await open();
        const key = randKey();
        await s.lock(key);
        await expect(s.lock(key, { signal: AbortSignal.timeout(50) })).rejects.toThrow();
        await s.unlock(key);
      });

      it('withLock releases the lock when the job throws', async () => {
        const s = await open();
        const key = randKey();
        await expect(withLock(s, key, async () => { throw new Error('job failed'); })).rejects.toThrow('job failed');
        expect(await s.tryLock(key)).toBe(true);
        await s.unlock(key);
      });
    });

    describe('single key', () => {
      it('stores, loads, overwrites and deletes', async () => {
        const s = await open();
        const key = randKey();
        const val = Buffer.from(key);
        expect(await s.exists(key)).toBe(false);
        await expect(s.load(key)).rejects.toBeInstanceOf(NotExistError);
        await expect(s.stat(key)).rejects.toSatisfy(isNotExist);
        await expect(s.store('', Buffer.alloc(0))).rejects.toThrow();
        await s.store(key, new Uint8Array(0));
        expect((await s.load(key)).length).toBe(0);
        await s.store(key, val);
        expect(await s.exists(key)).toBe(true);
        expect((await s.load(key)).equals(val)).toBe(true);
        await s.store(key, 'text value');
        expect((await s.load(key)).toString()).toBe('text value');
        const info = await s.stat(key);
        expect(info).toMatchObject({ key, size: 10, isTerminal: true });
        expect(Math.abs(info.modified.getTime() - Date.now())).toBeLessThan(60_000);
        await s.delete(key);
        expect(await s.exists(key)).toBe(false);
        await s.delete(key); // deleting what is not there is not an error
      });

      it('stores binary values byte for byte', async () => {
        const s = await open();
        const key = randKey();
        const val = Buffer.from(Array.from({ length: 256 }, (_, i) => i));
        await s.store(key, val);
        expect((await s.load(key)).equals(val)).toBe(true);
        await s.delete(key);
      });
    });

    describe('directories', () => {
      it('lists direct children or the whole tree, stats directories, deletes recursively', async () => {
        const s = await open();
        const dir = randKey();
        const k1 = `${dir}/k1`;
        const k2 = `${dir}/k/a/b`;
        const k3 = `${dir}/k/c`;
        await expect(s.list(k1, true)).rejects.toSatisfy(isNotExist);
        await expect(s.list(k2, false)).rejects.toSatisfy(isNotExist);
        for (const k of [k1, k2, k3]) await s.store(k, k);

        const dirInfo = await s.stat(dir);
        expect(dirInfo.key).toBe(dir);
        expect(dirInfo.isTerminal).toBe(false);
        const fileInfo = await s.stat(k2);
        expect(fileInfo.key).toBe(k2);
        expect(fileInfo.isTerminal).toBe(true);
        expect(await s.exists(`${dir}/k`)).toBe(true);

        expect((await s.list(dir, false)).sort()).toEqual([`${dir}/k`, k1]);
        expect((await s.list(dir, true)).sort()).toEqual([`${dir}/k`, `${dir}/k/a`, `${dir}/k/a/b`, `${dir}/k/c`, k1]);
        expect((await s.list(`${dir}/k`, false)).sort()).toEqual([`${dir}/k/a`, k3]);

        await s.delete(`${dir}/k`);
        expect(await s.exists(k2)).toBe(false);
        expect(await s.exists(k3)).toBe(false);
        expect(await s.exists(k1)).toBe(true);
        await s.delete(dir);
        expect(await s.exists(dir)).toBe(false);
      });

      it('treats prefixes component-wise: "a" prefixes "a/b", not "ab/c"', async () => {
        const s = await open();
        const base = randKey();
        await s.store(`${base}/a/b`, '1');
        await s.store(`${base}/ab/c`, '2');
        expect(await s.list(`${base}/a`, true)).toEqual([`${base}/a/b`]);
        await s.delete(base);
      });
    });

    describe('distributed challenge solving', () => {
      it('keeps a challenge where any instance sharing the storage finds it, until cleaned up', async () => {
        const s = await open();
        const issuer = `${randKey()}.example-ca.test-directory`;
        const chal: ACMEChallenge = {
          type: 'http-01',
          url: 'https://ca.test/chal/1',
          status: 'pending',
          token: 'tok123',
          keyAuthorization: 'tok123.thumb',
          identifier: { type: 'dns', value: 'www.example.com' },
        };
        await storeChallenge(s, issuer, chal);
        expect(await loadChallenge(s, ['other-ca', issuer], 'www.example.com')).toEqual(chal);
        expect(await loadChallenge(s, [issuer], 'example.com')).toBeUndefined();
        await deleteChallenge(s, issuer, chal);
        expect(await loadChallenge(s, [issuer], 'www.example.com')).toBeUndefined();
        await s.delete(`acme/${issuer}`);
      });
    });
  });
}
