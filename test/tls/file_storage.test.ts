import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { build } from 'esbuild';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FileStorage } from '../../src/tls/file_storage.js';
import { storageSuite } from './storage-suite.js';

const tmp = () => mkdtempSync(join(tmpdir(), 'tsweb-storage-'));

storageSuite('FileStorage', async () => {
  const dir = tmp();
  return { storage: new FileStorage(dir, { lockPollMs: 5 }), cleanup: async () => rmSync(dir, { recursive: true, force: true }) };
});

describe('FileStorage: certmagic layout on disk', () => {
  it('keeps keys as paths under the root: files 0600, folders 0700, no temporary files left', async () => {
    const root = tmp();
    const s = new FileStorage(root);
    await s.store('certificates/local/localhost/localhost.key', 'KEY');
    const file = join(root, 'certificates/local/localhost/localhost.key');
    expect(readFileSync(file, 'utf8')).toBe('KEY');
    expect(statSync(file).mode & 0o777).toBe(0o600);
    expect(statSync(join(root, 'certificates/local')).mode & 0o777).toBe(0o700);
    expect(readdirSync(join(root, 'certificates/local/localhost'))).toEqual(['localhost.key']);
    rmSync(root, { recursive: true });
  });

  it('refuses keys that would leave the root', async () => {
    const s = new FileStorage(tmp());
    await expect(s.store('../outside', 'x')).rejects.toThrow(/outside the storage root/);
    await expect(s.load('a/../../outside')).rejects.toThrow(/outside the storage root/);
  });

  it('never shows a reader a half-written value', async () => {
    const root = tmp();
    const s = new FileStorage(root);
    const a = Buffer.alloc(1 << 20, 'a');
    const b = Buffer.alloc(1 << 20, 'b');
    await s.store('big', a);
    let done = false;
    const writer = (async () => {
      for (let i = 0; i < 20; i++) await s.store('big', i % 2 ? a : b);
      done = true;
    })();
    let reads = 0;
    while (!done) {
      const v = await s.load('big');
      expect(v.length).toBe(1 << 20);
      expect(v.equals(a) || v.equals(b)).toBe(true);
      reads++;
    }
    await writer;
    expect(reads).toBeGreaterThan(0);
    rmSync(root, { recursive: true });
  });

  it('lists in lexical order like filepath.Walk, and a file prefix lists nothing', async () => {
    const s = new FileStorage(tmp());
    for (const k of ['d/b', 'd/a/z', 'd/a/y', 'd/c']) await s.store(k, '');
    expect(await s.list('d', true)).toEqual(['d/a', 'd/a/y', 'd/a/z', 'd/b', 'd/c']);
    expect(await s.list('d/', false)).toEqual(['d/a', 'd/b', 'd/c']);
    expect(await s.list('d/b', true)).toEqual([]);
  });

  it('a temp file left by a process killed mid-write is not listed as a key', async () => {
    const root = tmp();
    const s = new FileStorage(root);
    await s.store('d/a', 'x');
    writeFileSync(join(root, 'd', '.0123456789ab.tmp'), 'half a ke');
    expect(await s.list('d', true)).toEqual(['d/a']);
  });
});

describe('FileStorage: lock files', () => {
  const lockPath = (root: string, name: string) => join(root, 'locks', `${name}.lock`);

  it("writes certmagic's JSON to locks/<safe name>.lock and refreshes 'updated' while held", async () => {
    const root = tmp();
    const s = new FileStorage(root, { lockFreshnessMs: 50 });
    await s.lock('issue_cert_*.Example.com');
    const file = lockPath(root, 'issue_cert_wildcard_.example.com');
    const first = JSON.parse(readFileSync(file, 'utf8')) as { created: string; updated: string };
    expect(Object.keys(first)).toEqual(['created', 'updated']);
    expect(first.created).toBe(first.updated);
    await new Promise((r) => setTimeout(r, 180));
    const later = JSON.parse(readFileSync(file, 'utf8')) as { created: string; updated: string };
    expect(later.created).toBe(first.created);
    expect(Date.parse(later.updated)).toBeGreaterThan(Date.parse(first.updated));
    await s.unlock('issue_cert_*.Example.com');
    expect(existsSync(file)).toBe(false);
  });

  it('takes over a lock not refreshed for twice the freshness interval', async () => {
    const root = tmp();
    mkdirSync(join(root, 'locks'), { recursive: true });
    const old = new Date(Date.now() - 11_000).toISOString();
    writeFileSync(lockPath(root, 'job'), JSON.stringify({ created: old, updated: old }) + '\n');
    const s = new FileStorage(root);
    expect(await s.tryLock('job')).toBe(true);
    await s.unlock('job');
  });

  it("respects a fresh lock in Go's time format (RFC 3339 with nanoseconds and an offset)", async () => {
    const root = tmp();
    mkdirSync(join(root, 'locks'), { recursive: true });
    const now = new Date(Date.now() + 3600_000); // written by a host one zone east
    const go = now.toISOString().replace(/\.(\d{3})Z$/, '.$1456789+01:00').replace(/T(\d\d)/, (_, h: string) => `T${String((Number(h) + 1) % 24).padStart(2, '0')}`);
    const created = '0001-01-01T00:00:00Z';
    writeFileSync(lockPath(root, 'job'), JSON.stringify({ created, updated: go }) + '\n');
    const s = new FileStorage(root);
    expect(await s.tryLock('job')).toBe(false);
  });

  it('treats a corrupt or empty lock file as stale once it is older than the grace period, and waits while it is young', async () => {
    const root = tmp();
    mkdirSync(join(root, 'locks'), { recursive: true });
    const s = new FileStorage(root, { corruptGraceMs: 200, lockPollMs: 5 });
    for (const content of ['garbage{', '', '[1,2]']) {
      writeFileSync(lockPath(root, 'job'), content);
      expect(await s.tryLock('job')).toBe(false);
      const t0 = Date.now();
      await s.lock('job'); // becomes stale while waiting
      expect(Date.now() - t0).toBeGreaterThanOrEqual(150);
      await s.unlock('job');
      writeFileSync(lockPath(root, 'job'), content);
      const past = new Date(Date.now() - 5000);
      utimesSync(lockPath(root, 'job'), past, past);
      expect(await s.tryLock('job')).toBe(true);
      await s.unlock('job');
    }
  });

  it("does not remove another locker's lock when its own was taken over as stale", async () => {
    const root = tmp();
    const a = new FileStorage(root, { lockFreshnessMs: 60_000 });
    await a.lock('job');
    const old = new Date(Date.now() - 200_000).toISOString();
    writeFileSync(lockPath(root, 'job'), JSON.stringify({ created: old, updated: old }) + '\n'); // a's lock went stale
    const b = new FileStorage(root);
    expect(await b.tryLock('job')).toBe(true);
    await a.unlock('job');
    expect(existsSync(lockPath(root, 'job'))).toBe(true);
    expect(await a.tryLock('job')).toBe(false);
    await b.unlock('job');
  });
});

describe('FileStorage: locks across processes', () => {
  let script: string;
  let dir: string;
  beforeAll(async () => {
    dir = tmp();
    script = join(dir, 'lock_child.mjs');
    await build({ entryPoints: [join(__dirname, 'lock_child.ts')], bundle: true, platform: 'node', format: 'esm', outfile: script, logLevel: 'silent' });
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  const child = (args: string[]) => spawn(process.execPath, [script, ...args], { stdio: ['ignore', 'ignore', 'inherit'] });
  const exited = (p: ReturnType<typeof child>) => new Promise<number | null>((r) => p.on('exit', (code) => r(code)));

  it('lets one process at a time hold a lock', async () => {
    const root = tmp();
    const log = join(root, 'log');
    writeFileSync(log, '');
    const procs = [child([root, 'shared', '15', log]), child([root, 'shared', '15', log]), child([root, 'shared', '15', log])];
    expect(await Promise.all(procs.map(exited))).toEqual([0, 0, 0]);
    const lines = readFileSync(log, 'utf8').trim().split('\n');
    expect(lines.length).toBe(90);
    for (let i = 0; i < lines.length; i += 2) {
      const [enter, pid] = lines[i]!.split(' ');
      expect(enter).toBe('enter');
      expect(lines[i + 1]).toBe(`exit ${pid}`);
    }
    expect(new Set(lines.map((l) => l.split(' ')[1])).size).toBe(3);
  });

  it("takes a killed process's lock once it goes stale, and not before", async () => {
    const root = tmp();
    const log = join(root, 'log');
    writeFileSync(log, '');
    const p = child([root, 'job', '1', log, 'hold']);
    while (!readFileSync(log, 'utf8').includes('locked')) await new Promise((r) => setTimeout(r, 10));
    const s = new FileStorage(root, { lockFreshnessMs: 100, lockPollMs: 10 });
    // Alive, the holder keeps the lock fresh (refreshed every 100 ms, stale after 200 ms).
    await new Promise((r) => setTimeout(r, 350));
    expect(await s.tryLock('job')).toBe(false);
    p.kill('SIGKILL');
    await exited(p);
    const t0 = Date.now();
    await s.lock('job', { signal: AbortSignal.timeout(5000) });
    expect(Date.now() - t0).toBeLessThan(2000);
    await s.unlock('job');
  });
});
