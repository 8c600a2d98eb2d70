/**
 * The cache's disk store: every stored response is also written here, so a
 * restart (a new process on the same path) finds it, and bodies too large
 * for the memory store live only here and are streamed from their file.
 *
 * One directory per cache_name under the configured path; a file per
 * variant named by a hash of the key (and of the Vary'd request values,
 * with the key's Vary names in `<hash>.vary`), in disk_format.ts's layout.
 * Files are written under a temporary name and renamed, so a crash never
 * leaves a half file under a name a lookup opens; temporary files of a
 * process that is gone are removed by the sweep. The sweep (every 10 s and
 * at start, in the primary worker only so workers do not race) deletes
 * expired files and keeps the directory within its byte and entry budgets,
 * least recently used first (a hit from disk touches the file's mtime).
 * Every worker reads and writes: they share the file system.
 */
import { createHash, randomBytes } from 'node:crypto';
import { closeSync, createWriteStream, fstatSync, mkdirSync, openSync, readdirSync, unlinkSync, type WriteStream } from 'node:fs';
import { copyFile, type FileHandle, open, readdir, readFile, rename, stat, truncate, unlink, writeFile } from 'node:fs/promises';
import type { IncomingHttpHeaders } from 'node:http';
import { join } from 'node:path';
import type { EngineLog } from '../../core/log.js';
import type { ResponseWriter } from '../../core/response.js';
import { isPrimaryWorker } from '../../core/shared/index.js';
import { CorruptFile, encodeTail, type Meta, readMeta, readMetaSync } from './disk_format.js';
import { type Entry, entrySize, normalizeField } from './store.js';

/** A body that stays on disk: streamed from the open file. */
export interface DiskBody {
  handle: FileHandle;
  path: string;
  length: number;
}

/** A stored response as the handler sees it: in-memory entries have no `file`. */
export type DiskEntry = Entry & { file?: DiskBody };

export interface DiskOptions {
  /** The directory of this store (the configured path joined with the cache's name). */
  dir: string;
  /** Byte budget of the directory (simplefs directory_size); 0: none. */
  maxBytes: number;
  /** Most files kept (simplefs size); 0: no limit. */
  maxEntries: number;
  /** Bodies up to this size are also kept in memory; larger ones are read from their file on every hit. */
  memoryBodyMax: number;
  sweepMs?: number;
}

const EMPTY = Buffer.alloc(0);
const TMP = '.tmp-';
const VARY = '.vary';
/** A temporary file of a live process older than this is a leftover too (its writer would have renamed it long ago). */
const STALE_TMP_MS = 3600_000;

const hash = (s: string, n: number): string => createHash('sha256').update(s).digest('hex').slice(0, n);
export const keyHash = (key: string): string => hash(key, 40);

export function variantName(key: string, vary: ReadonlyArray<readonly [string, string]>): string {
  const hk = keyHash(key);
  return vary.length === 0 ? hk : `${hk}-${hash(JSON.stringify(vary), 16)}`;
}

function pidAlive(pid: number): boolean {
  if (pid === process.pid) return true;
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

const ignoreMissing = (err: unknown): void => {
  if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
};

interface VaryIndex {
  names: string[][];
}

interface SweepInfo {
  size: number;
  mtimeMs: number;
  dropAt: number;
}

/** A body being written to its temporary file while the response streams to the client. */
export class Spill {
  readonly path: string;
  private readonly ws: WriteStream;
  private failed: Error | null = null;
  bytes = 0;

  constructor(dir: string) {
    this.path = join(dir, `${TMP}${process.pid}-${randomBytes(8).toString('hex')}`);
    this.ws = createWriteStream(this.path, { flags: 'wx', mode: 0o600 });
    this.ws.on('error', (err) => (this.failed = err));
  }

  write(b: Buffer): void {
    this.bytes += b.length;
    this.ws.write(b);
  }

  /** Appends the head and footer and closes the file. */
  finish(tail: Buffer): Promise<void> {
    if (this.failed !== null) return Promise.reject(this.failed);
    return new Promise((resolve, reject) => {
      this.ws.once('error', reject);
      this.ws.end(tail, () => (this.failed === null ? resolve() : reject(this.failed)));
    });
  }

  discard(): void {
    const remove = () => void unlink(this.path).catch(() => {});
    if (this.ws.closed) remove();
    else {
      this.ws.once('close', remove);
      this.ws.destroy();
    }
  }
}

export class DiskStore {
  private readonly sweepIndex = new Map<string, SweepInfo>();
  private timer: NodeJS.Timeout | null = null;
  private sweeping: Promise<void> | null = null;
  /** Bytes this thread wrote since the last sweep: the primary sweeps early when they may pass the budget. */
  private written = 0;
  private lastTotal = 0;

  constructor(
    public opts: DiskOptions,
    public log: EngineLog | undefined,
  ) {
    // Load time: the directory must exist before the first request writes to it.
    mkdirSync(opts.dir, { recursive: true, mode: 0o700 });
  }

  get dir(): string {
    return this.opts.dir;
  }

  /** Starts the periodic sweep when this thread is the primary worker. */
  start(): void {
    if (this.timer !== null || !isPrimaryWorker()) return;
    void this.sweep();
    this.timer = setInterval(() => void this.sweep(), this.opts.sweepMs ?? 10_000);
    this.timer.unref();
  }

  stop(): void {
    if (this.timer !== null) clearInterval(this.timer);
    this.timer = null;
  }

  private corrupt(path: string, err: unknown): void {
    this.log?.('warn', 'http.handlers.cache', 'removed a corrupted cache file', { file: path, error: (err as Error).message });
    void unlink(path).catch(() => {});
  }

  private async varyNames(hk: string): Promise<string[][]> {
    try {
      return (JSON.parse(await readFile(join(this.dir, hk + VARY), 'utf8')) as VaryIndex).names;
    } catch {
      return [];
    }
  }

  /**
   * The stored response for this request, newest variant first; small
   * bodies are read into memory (the caller puts them in its memory store),
   * large ones keep their file open until `w` closes.
   */
  async lookup(key: string, req: IncomingHttpHeaders, now: number, w: ResponseWriter): Promise<DiskEntry | undefined> {
    const hk = keyHash(key);
    const names = [hk];
    for (const vn of await this.varyNames(hk)) {
      names.push(variantName(key, vn.map((n) => [n, normalizeField(req[n], n)] as const)));
    }
    let best: { meta: Meta; fh: FileHandle; path: string } | undefined;
    for (const name of names) {
      const path = join(this.dir, name);
      let fh: FileHandle;
      try {
        fh = await open(path, 'r');
      } catch {
        continue;
      }
      let meta: Meta;
      try {
        meta = await readMeta(fh);
      } catch (err) {
        await fh.close().catch(() => {});
        if (err instanceof CorruptFile) this.corrupt(path, err);
        continue;
      }
      const fits = meta.key === key && meta.vary.every(([n, v]) => normalizeField(req[n], n) === v);
      if (!fits || meta.dropAt <= now) {
        await fh.close().catch(() => {});
        if (meta.key === key && meta.dropAt <= now) void unlink(path).catch(() => {});
        continue;
      }
      if (best === undefined || meta.timing.responseTime > best.meta.timing.responseTime) {
        if (best !== undefined) await best.fh.close().catch(() => {});
        best = { meta, fh, path };
      } else {
        await fh.close().catch(() => {});
      }
    }
    if (best === undefined) return undefined;
    const { meta, fh, path } = best;
    const t = now / 1000;
    // The sweep evicts by mtime: a hit makes the file recently used.
    void fh.utimes(t, t).catch(() => {});
    const base = { status: meta.status, headers: meta.headers, vary: meta.vary, timing: meta.timing, dropAt: meta.dropAt };
    if (meta.bodyLength <= this.opts.memoryBodyMax) {
      const body = Buffer.alloc(meta.bodyLength);
      try {
        const { bytesRead } = await fh.read(body, 0, meta.bodyLength, 0);
        if (bytesRead !== meta.bodyLength) throw new CorruptFile('short body');
      } catch (err) {
        this.corrupt(path, err);
        return undefined;
      } finally {
        await fh.close().catch(() => {});
      }
      const e = { ...base, body };
      return { ...e, size: entrySize(key, e) };
    }
    w.onClose(() => void fh.close().catch(() => {}));
    const e = { ...base, body: EMPTY };
    return { ...e, size: entrySize(key, e), file: { handle: fh, path, length: meta.bodyLength } };
  }

  private metaOf(key: string, e: Entry, bodyLength: number): Meta {
    return { key, status: e.status, headers: e.headers, vary: e.vary.map(([n, v]) => [n, v]), timing: e.timing, dropAt: e.dropAt, bodyLength };
  }

  private tmpPath(): string {
    return join(this.dir, `${TMP}${process.pid}-${randomBytes(8).toString('hex')}`);
  }

  /** Records the key's Vary names so a lookup can find the variant files. */
  private async noteVary(key: string, vary: Entry['vary']): Promise<void> {
    if (vary.length === 0) return;
    const hk = keyHash(key);
    const names = vary.map(([n]) => n);
    const known = await this.varyNames(hk);
    if (known.some((k) => k.length === names.length && k.every((n, i) => n === names[i]))) return;
    const tmp = this.tmpPath();
    await writeFile(tmp, JSON.stringify({ names: [names, ...known] } satisfies VaryIndex), { mode: 0o600 });
    await rename(tmp, join(this.dir, hk + VARY));
  }

  private async placed(tmp: string, key: string, vary: Entry['vary'], bytes: number): Promise<void> {
    await rename(tmp, join(this.dir, variantName(key, vary)));
    await this.noteVary(key, vary);
    this.written += bytes;
    if (this.timer !== null && this.opts.maxBytes > 0 && this.lastTotal + this.written > this.opts.maxBytes) void this.sweep();
  }

  /** Writes an entry whose body is in memory. */
  async put(key: string, e: Entry): Promise<void> {
    const tail = encodeTail(this.metaOf(key, e, e.body.length));
    if (this.opts.maxBytes > 0 && e.body.length + tail.length > this.opts.maxBytes) return;
    const tmp = this.tmpPath();
    try {
      const fh = await open(tmp, 'wx', 0o600);
      try {
        await fh.writev([e.body, tail]);
      } finally {
        await fh.close();
      }
      await this.placed(tmp, key, e.vary, e.body.length + tail.length);
    } catch (err) {
      void unlink(tmp).catch(() => {});
      throw err;
    }
  }

  /** A temporary file for a body too large for memory, filled while the response streams. */
  spill(): Spill {
    return new Spill(this.dir);
  }

  /** Completes a spilled body with the entry's head and puts it in place. */
  async commit(spill: Spill, key: string, e: Entry): Promise<void> {
    try {
      if (this.opts.maxBytes > 0 && spill.bytes > this.opts.maxBytes) throw new Error('larger than the directory budget');
      const tail = encodeTail(this.metaOf(key, e, spill.bytes));
      await spill.finish(tail);
      await this.placed(spill.path, key, e.vary, spill.bytes + tail.length);
    } catch (err) {
      spill.discard();
      throw err;
    }
  }

  /** A 304 refreshed a stored response whose body is on disk: a copy with the new head replaces it. */
  async refresh(key: string, old: DiskBody, e: Entry): Promise<void> {
    const tmp = this.tmpPath();
    try {
      await copyFile(old.path, tmp);
      await truncate(tmp, old.length);
      const fh = await open(tmp, 'a');
      try {
        await fh.write(encodeTail(this.metaOf(key, e, old.length)));
      } finally {
        await fh.close();
      }
      await this.placed(tmp, key, e.vary, 0);
    } catch (err) {
      void unlink(tmp).catch(() => {});
      throw err;
    }
  }

  /** Removes every variant of a key (unsafe-method invalidation). */
  async delete(key: string): Promise<void> {
    const hk = keyHash(key);
    const files = [hk];
    if ((await this.varyNames(hk)).length > 0) {
      // Variants are named by request values, which cannot be listed from the key: the directory can.
      for (const name of await readdir(this.dir)) if (name.startsWith(hk + '-')) files.push(name);
      files.push(hk + VARY);
    }
    for (const f of files) await unlink(join(this.dir, f)).catch(ignoreMissing);
  }

  /**
   * The keys of the files on disk that `test` accepts (all when null),
   * removed when `purge` is set. Synchronous: the admin API's listing is.
   */
  keysSync(test: ((key: string, headers: Meta['headers']) => boolean) | null, purge: boolean): string[] {
    const out: string[] = [];
    let names: string[];
    try {
      names = readdirSync(this.dir);
    } catch {
      return out;
    }
    for (const name of names) {
      if (name.startsWith(TMP) || name.endsWith(VARY)) continue;
      const path = join(this.dir, name);
      let meta: Meta;
      let fd: number;
      try {
        fd = openSync(path, 'r');
      } catch {
        continue;
      }
      try {
        meta = readMetaSync(fd, fstatSync(fd).size);
      } catch {
        continue;
      } finally {
        closeSync(fd);
      }
      if (test !== null && !test(meta.key, meta.headers)) continue;
      out.push(meta.key);
      if (purge) {
        try {
          unlinkSync(path);
        } catch {
          // Another worker purged it first.
        }
      }
    }
    return out;
  }

  /** One pass: stray temporary files, corrupted and expired files, then the budgets, least recently used first. */
  sweep(now = Date.now()): Promise<void> {
    this.sweeping ??= this.sweepOnce(now).finally(() => (this.sweeping = null));
    return this.sweeping;
  }

  private async sweepOnce(now: number): Promise<void> {
    let names: string[];
    try {
      names = await readdir(this.dir);
    } catch (err) {
      this.log?.('error', 'http.handlers.cache', 'cannot read the cache directory', { dir: this.dir, error: (err as Error).message });
      return;
    }
    this.written = 0;
    const live: Array<[string, SweepInfo]> = [];
    const varyFiles: string[] = [];
    const seen = new Set<string>();
    for (const name of names) {
      const path = join(this.dir, name);
      if (name.startsWith(TMP)) {
        const pid = Number(name.slice(TMP.length).split('-')[0]);
        const st = await stat(path).catch(() => null);
        if (st !== null && (!pidAlive(pid) || now - st.mtimeMs > STALE_TMP_MS)) await unlink(path).catch(() => {});
        continue;
      }
      if (name.endsWith(VARY)) {
        varyFiles.push(name);
        continue;
      }
      const st = await stat(path).catch(() => null);
      if (st === null) continue;
      seen.add(name);
      let info = this.sweepIndex.get(name);
      if (info === undefined || info.size !== st.size) {
        let dropAt: number;
        try {
          const fh = await open(path, 'r');
          try {
            dropAt = (await readMeta(fh)).dropAt;
          } finally {
            await fh.close();
          }
        } catch (err) {
          if (err instanceof CorruptFile) this.corrupt(path, err);
          continue;
        }
        info = { size: st.size, mtimeMs: st.mtimeMs, dropAt };
        this.sweepIndex.set(name, info);
      }
      info.mtimeMs = st.mtimeMs;
      if (info.dropAt <= now) {
        await unlink(path).catch(() => {});
        this.sweepIndex.delete(name);
        continue;
      }
      live.push([name, info]);
    }
    for (const name of this.sweepIndex.keys()) if (!seen.has(name)) this.sweepIndex.delete(name);
    let total = live.reduce((n, [, i]) => n + i.size, 0);
    const { maxBytes, maxEntries } = this.opts;
    if ((maxBytes > 0 && total > maxBytes) || (maxEntries > 0 && live.length > maxEntries)) {
      live.sort((a, b) => a[1].mtimeMs - b[1].mtimeMs);
      let count = live.length;
      for (const [name, info] of live) {
        if ((maxBytes <= 0 || total <= maxBytes) && (maxEntries <= 0 || count <= maxEntries)) break;
        await unlink(join(this.dir, name)).catch(() => {});
        this.sweepIndex.delete(name);
        total -= info.size;
        count--;
      }
    }
    this.lastTotal = total;
    const liveKeys = new Set([...this.sweepIndex.keys()].map((n) => n.split('-')[0]!));
    for (const v of varyFiles) if (!liveKeys.has(v.slice(0, -VARY.length))) await unlink(join(this.dir, v)).catch(() => {});
  }
}

/** The disk stores in this thread by directory, shared by the handlers that name it and kept across reloads. */
const stores = new Map<string, { store: DiskStore; refs: number }>();

export function acquireDisk(opts: DiskOptions, log: EngineLog | undefined): DiskStore {
  let s = stores.get(opts.dir);
  if (s === undefined) {
    s = { store: new DiskStore(opts, log), refs: 0 };
    stores.set(opts.dir, s);
  }
  // The newest config's budgets win.
  s.store.opts = opts;
  s.store.log = log;
  s.refs++;
  s.store.start();
  return s.store;
}

export function releaseDisk(store: DiskStore): void {
  const s = stores.get(store.dir);
  if (s === undefined || s.store !== store || --s.refs > 0) return;
  store.stop();
  stores.delete(store.dir);
}

/**
 * The admin API's part on disk: keys of every disk store in this thread
 * that `test` accepts, removed when `purge` is set. Only the primary
 * worker answers: the files are the same for every worker.
 */
export function diskCacheKeys(test: ((key: string, headers: Meta['headers']) => boolean) | null, purge: boolean): string[] {
  if (!isPrimaryWorker()) return [];
  const out: string[] = [];
  for (const { store } of stores.values()) out.push(...store.keysSync(test, purge));
  return out;
}
