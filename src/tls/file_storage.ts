/**
 * certmagic's FileStorage (filestorage.go): keys are paths under a root
 * directory, so Caddy's data directory and tsweb's are interchangeable.
 *
 * Writes are atomic (a temporary file in the same folder, fsync, rename) and
 * private: files 0600, folders 0700, as certmagic writes them.
 *
 * Locks are files, `locks/<safe name>.lock`, created with O_EXCL and holding
 * certmagic's JSON `{"created": <time>, "updated": <time>}`. While held, the
 * holder rewrites "updated" every lockFreshness (5 s); a lock not updated for
 * twice that is stale and the next locker removes it, so a crashed holder on
 * any machine sharing the folder blocks the others for seconds, not forever.
 * An empty or unreadable lock file (a crash between create and write, a disk
 * that lost the write: caddy#3954, certmagic#232) is stale once it is older
 * than corruptGrace; younger, it may still be being written, so lockers wait.
 * Like certmagic, mutual exclusion is only as good as the clocks: two lockers
 * may both remove one stale lock; the alternatives deadlock (caddy#4448).
 */
import { randomBytes } from 'node:crypto';
import { type Dirent, promises as fsp } from 'node:fs';
import { dirname, join, relative, sep, isAbsolute } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { type KeyInfo, type LockOptions, NotExistError, type Storage } from './storage.js';
import { safe } from './storage_keys.js';

/** Writes go to `.<random hex>.tmp` beside the file, then rename over it. */
const TEMP_SUFFIX = '.tmp';
const TEMP_FILE = /^\.[0-9a-f]{12}\.tmp$/;

export interface FileStorageOptions {
  /** How often a held lock's timestamp is rewritten (certmagic's lockFreshnessInterval, 5 s); stale after twice this. */
  lockFreshnessMs?: number;
  /** How often a waiting locker looks again (certmagic's fileLockPollInterval, 1 s). */
  lockPollMs?: number;
  /** Age after which an empty or unparsable lock file counts as stale. */
  corruptGraceMs?: number;
}

interface HeldLock {
  file: string;
  created: string;
  timer: NodeJS.Timeout;
}

/** certmagic's lockMeta, as Go's encoding/json writes time.Time (RFC 3339). */
interface LockMeta {
  created?: string;
  updated?: string;
}

const notExistCodes = new Set(['ENOENT', 'ENOTDIR']);
const isNotExistCode = (err: unknown): boolean => notExistCodes.has((err as NodeJS.ErrnoException)?.code ?? '');

/** Go writes the zero time.Time as year 1; it means "unset". */
function lockTime(s: unknown): number {
  if (typeof s !== 'string') return NaN;
  const t = Date.parse(s);
  return t > Date.UTC(1, 0, 2) ? t : NaN;
}

export class FileStorage implements Storage {
  private readonly freshnessMs: number;
  private readonly pollMs: number;
  private readonly corruptGraceMs: number;
  private readonly held = new Map<string, HeldLock>();

  constructor(readonly root: string, opts: FileStorageOptions = {}) {
    this.freshnessMs = opts.lockFreshnessMs ?? 5000;
    this.pollMs = opts.lockPollMs ?? 1000;
    this.corruptGraceMs = opts.corruptGraceMs ?? 2000;
  }

  toString(): string {
    return `FileStorage:${this.root}`;
  }

  /** The file for key: the key's components under the root; a key that would leave the root is refused. */
  filename(key: string): string {
    const file = join(this.root, ...key.split('/'));
    const rel = relative(this.root, file);
    if (rel === '..' || rel.startsWith('..' + sep) || isAbsolute(rel)) throw new Error(`storage key outside the storage root: ${key}`);
    return file;
  }

  async store(key: string, value: Uint8Array | string): Promise<void> {
    if (key === '') throw new Error('storage key must not be empty');
    const file = this.filename(key);
    const dir = dirname(file);
    await fsp.mkdir(dir, { recursive: true, mode: 0o700 });
    const tmp = join(dir, `.${randomBytes(6).toString('hex')}${TEMP_SUFFIX}`);
    const fh = await fsp.open(tmp, 'wx', 0o600);
    try {
      await fh.writeFile(value);
      await fh.sync();
      await fh.close();
      await fsp.rename(tmp, file);
    } catch (err) {
      await fh.close().catch(() => undefined);
      await fsp.rm(tmp, { force: true });
      throw err;
    }
  }

  async load(key: string): Promise<Buffer> {
    try {
      return await fsp.readFile(this.filename(key));
    } catch (err) {
      if (isNotExistCode(err)) throw new NotExistError(key, err);
      throw err;
    }
  }

  async delete(key: string): Promise<void> {
    if (key === '') throw new Error('storage key must not be empty');
    await fsp.rm(this.filename(key), { recursive: true, force: true });
  }

  async exists(key: string): Promise<boolean> {
    try {
      await fsp.stat(this.filename(key));
      return true;
    } catch (err) {
      return !isNotExistCode(err);
    }
  }

  async stat(key: string): Promise<KeyInfo> {
    try {
      const st = await fsp.stat(this.filename(key));
      return { key, modified: st.mtime, size: st.size, isTerminal: !st.isDirectory() };
    } catch (err) {
      if (isNotExistCode(err)) throw new NotExistError(key, err);
      throw err;
    }
  }

  /** filepath.Walk from the prefix in lexical order, symlinks not followed; a file prefix lists nothing. */
  async list(prefix: string, recursive: boolean): Promise<string[]> {
    const base = prefix.replace(/^\/+|\/+$/g, '');
    const start = this.filename(base);
    try {
      await fsp.lstat(start);
    } catch (err) {
      if (isNotExistCode(err)) throw new NotExistError(prefix, err);
      throw err;
    }
    const keys: string[] = [];
    const walk = async (dir: string, keyDir: string): Promise<void> => {
      let entries: Dirent[];
      try {
        entries = await fsp.readdir(dir, { withFileTypes: true });
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code === 'ENOTDIR') return;
        throw err;
      }
      entries.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
      for (const e of entries) {
        // A process killed between writing and renaming leaves its temp file: never a key.
        if (TEMP_FILE.test(e.name)) continue;
        const key = keyDir === '' ? e.name : `${keyDir}/${e.name}`;
        keys.push(key);
        if (recursive && e.isDirectory()) await walk(join(dir, e.name), key);
      }
    };
    await walk(start, base);
    return keys;
  }

  private lockFile(name: string): string {
    return join(this.root, 'locks', safe(name) + '.lock');
  }

  async lock(name: string, opts: LockOptions = {}): Promise<void> {
    await this.obtainLock(name, true, opts.signal);
  }

  async tryLock(name: string): Promise<boolean> {
    return this.obtainLock(name, false, undefined);
  }

  async unlock(name: string): Promise<void> {
    const file = this.lockFile(name);
    const mine = this.held.get(name);
    if (mine) {
      clearInterval(mine.timer);
      this.held.delete(name);
      // Declared stale and taken by another locker meanwhile: that lock is theirs to remove.
      const meta = await readLockMeta(file);
      if (meta && typeof meta === 'object' && meta.created !== undefined && meta.created !== mine.created) return;
    }
    await fsp.unlink(file);
  }

  /** certmagic's CleanUpOwnLocks: releases every lock this instance holds, for a clean exit. */
  async unlockAll(): Promise<void> {
    for (const name of [...this.held.keys()]) await this.unlock(name).catch(() => undefined);
  }

  private async obtainLock(name: string, wait: boolean, signal: AbortSignal | undefined): Promise<boolean> {
    const file = this.lockFile(name);
    await fsp.mkdir(dirname(file), { recursive: true, mode: 0o700 });
    for (;;) {
      signal?.throwIfAborted();
      const created = await this.createLockFile(file);
      if (created !== undefined) {
        this.keepFresh(name, file, created);
        return true;
      }
      let meta: LockMeta | 'corrupt' | undefined;
      let mtime = 0;
      try {
        const [text, st] = await Promise.all([fsp.readFile(file, 'utf8'), fsp.stat(file)]);
        mtime = st.mtimeMs;
        meta = parseLockMeta(text);
      } catch (err) {
        if (isNotExistCode(err)) continue; // released meanwhile: try again at once
        throw new Error(`accessing lock file: ${(err as Error).message}`, { cause: err });
      }
      let stale: boolean;
      if (meta === 'corrupt') {
        stale = Date.now() - mtime > this.corruptGraceMs;
      } else {
        const ref = Number.isNaN(lockTime(meta.updated)) ? lockTime(meta.created) : lockTime(meta.updated);
        stale = Number.isNaN(ref) || Date.now() - ref > this.freshnessMs * 2;
      }
      if (stale) {
        await fsp.unlink(file).catch((err: unknown) => {
          if (!isNotExistCode(err)) throw new Error(`unable to delete stale lockfile; deadlocked: ${(err as Error).message}`, { cause: err });
        });
        continue;
      }
      if (!wait) return false;
      // A lock file still being written is worth a quicker look than a held one.
      await sleep(meta === 'corrupt' ? Math.min(250, this.pollMs) : this.pollMs, undefined, { signal, ref: true });
    }
  }

  /** O_EXCL create with fresh timestamps; undefined when the lock file exists. */
  private async createLockFile(file: string): Promise<string | undefined> {
    let fh: fsp.FileHandle;
    try {
      fh = await fsp.open(file, 'wx', 0o644);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'EEXIST') return undefined;
      throw new Error(`creating lock file: ${(err as Error).message}`, { cause: err });
    }
    const now = new Date().toISOString();
    try {
      await fh.writeFile(lockJSON(now, now));
      await fh.sync();
    } finally {
      await fh.close();
    }
    return now;
  }

  private keepFresh(name: string, file: string, created: string): void {
    const timer = setInterval(() => {
      void refreshLockFile(file, created).then(
        (ok) => {
          if (!ok && this.held.get(name)?.timer === timer) clearInterval(timer);
        },
        () => clearInterval(timer),
      );
    }, this.freshnessMs);
    // A held lock must not keep the process alive on its own.
    timer.unref();
    this.held.set(name, { file, created, timer });
  }
}

/** Go's json.Encoder output: the object and a newline. ISO strings are fixed-length, so rewrites never change the size. */
function lockJSON(created: string, updated: string): string {
  return `{"created":${JSON.stringify(created)},"updated":${JSON.stringify(updated)}}\n`;
}

function parseLockMeta(text: string): LockMeta | 'corrupt' {
  if (text.trim() === '') return 'corrupt';
  try {
    const v: unknown = JSON.parse(text);
    if (v === null || typeof v !== 'object' || Array.isArray(v)) return 'corrupt';
    return v as LockMeta;
  } catch {
    return 'corrupt';
  }
}

async function readLockMeta(file: string): Promise<LockMeta | 'corrupt' | undefined> {
  try {
    return parseLockMeta(await fsp.readFile(file, 'utf8'));
  } catch {
    return undefined;
  }
}

/**
 * Rewrites "updated" in place. certmagic truncates first, which readers can
 * catch as an empty file; writing the same-length text over the old and
 * trimming to its length leaves the file valid JSON throughout. False when
 * the lock is gone, no longer parses (stop refreshing, as certmagic does) or
 * is another locker's, made after ours was judged stale.
 */
async function refreshLockFile(file: string, created: string): Promise<boolean> {
  let fh: fsp.FileHandle;
  try {
    fh = await fsp.open(file, 'r+');
  } catch {
    return false;
  }
  try {
    const { bytesRead, buffer } = await fh.read(Buffer.alloc(2048), 0, 2048, 0);
    const meta = parseLockMeta(buffer.subarray(0, bytesRead).toString('utf8'));
    if (meta === 'corrupt' || meta.created !== created) return false;
    const text = Buffer.from(lockJSON(created, new Date().toISOString()));
    await fh.write(text, 0, text.length, 0);
    await fh.truncate(text.length);
    await fh.sync();
    return true;
  } finally {
    await fh.close();
  }
}
