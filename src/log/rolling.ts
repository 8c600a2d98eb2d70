/**
 * A log file that rolls by size, as lumberjack (Caddy's file writer) does:
 * before a write would take the file past the limit, the file is renamed
 * to <name>-<UTC timestamp><ext> (2006-01-02T15-04-05.000) and a new one
 * is started; then, in the background, old backups are gzipped and those
 * beyond roll_keep or older than roll_keep_days are removed.
 *
 * Writes are synchronous (SonicBoom in sync mode): the size count is exact
 * and a rename never races a pending write.
 */
import { createReadStream, createWriteStream, existsSync, mkdirSync, promises as fsp, renameSync, statSync } from 'node:fs';
import { basename, dirname, extname, join } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { createGzip } from 'node:zlib';
import pino from 'pino';
import type { Writer } from './writers.js';

export interface RollOptions {
  roll: boolean;
  maxBytes: number;
  /** Backups to keep; 0 = all. */
  keep: number;
  /** Days to keep backups; 0 = forever. */
  keepDays: number;
  gzip: boolean;
  localTime: boolean;
  mode: number;
}

const pad = (n: number, w = 2) => String(n).padStart(w, '0');

function stamp(ms: number, local: boolean): string {
  const d = new Date(ms);
  return local
    ? `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())}T${pad(d.getHours())}-${pad(d.getMinutes())}-${pad(d.getSeconds())}.${pad(d.getMilliseconds(), 3)}`
    : `${d.getUTCFullYear()}-${pad(d.getUTCMonth() + 1)}-${pad(d.getUTCDate())}T${pad(d.getUTCHours())}-${pad(d.getUTCMinutes())}-${pad(d.getUTCSeconds())}.${pad(d.getUTCMilliseconds(), 3)}`;
}

const STAMP = /^\d{4}-\d\d-\d\dT\d\d-\d\d-\d\d\.\d{3}$/;

export class RollingFile implements Writer {
  readonly key: string;
  readonly tty = false;
  private readonly boom: ReturnType<typeof pino.destination>;
  private size: number;
  private lastStamp = 0;
  private milling: Promise<void> = Promise.resolve();
  private closed = false;

  constructor(
    readonly filename: string,
    private readonly opts: RollOptions,
  ) {
    this.key = `file:${filename}`;
    mkdirSync(dirname(filename), { recursive: true, mode: 0o700 });
    this.size = existsSync(filename) ? statSync(filename).size : 0;
    this.boom = pino.destination({ dest: filename, sync: true, append: true, mkdir: true, mode: opts.mode });
  }

  write(line: string): void {
    if (this.closed) return;
    const n = Buffer.byteLength(line);
    if (this.opts.roll && this.size > 0 && this.size + n > this.opts.maxBytes) this.rotate();
    this.boom.write(line);
    this.size += n;
  }

  private backupName(): string {
    // Two rolls in one millisecond would overwrite each other's backup: step the stamp on.
    const ms = Math.max(Date.now(), this.lastStamp + 1);
    this.lastStamp = ms;
    const ext = extname(this.filename);
    const base = basename(this.filename, ext);
    return join(dirname(this.filename), `${base}-${stamp(ms, this.opts.localTime)}${ext}`);
  }

  private rotate(): void {
    try {
      renameSync(this.filename, this.backupName());
    } catch {
      // Renamed or removed by someone else: just start a new file.
    }
    this.boom.reopen();
    this.size = 0;
    this.milling = this.milling.then(() => this.mill()).catch(() => {});
  }

  /** Compresses and prunes backups (lumberjack's millRunOnce). */
  private async mill(): Promise<void> {
    const dir = dirname(this.filename);
    const ext = extname(this.filename);
    const prefix = `${basename(this.filename, ext)}-`;
    const backups: Array<{ name: string; stamp: string; gz: boolean }> = [];
    for (const name of await fsp.readdir(dir)) {
      if (!name.startsWith(prefix)) continue;
      const gz = name.endsWith(`${ext}.gz`);
      const rest = name.slice(prefix.length, name.length - (gz ? ext.length + 3 : ext.length));
      if (!gz && !name.endsWith(ext)) continue;
      if (STAMP.test(rest)) backups.push({ name, stamp: rest, gz });
    }
    backups.sort((a, b) => (a.stamp < b.stamp ? 1 : a.stamp > b.stamp ? -1 : 0)); // newest first
    const remove = new Set<string>();
    if (this.opts.keep > 0) {
      const seen = new Set<string>();
      for (const b of backups) {
        if (seen.size >= this.opts.keep && !seen.has(b.stamp)) remove.add(b.name);
        seen.add(b.stamp);
      }
    }
    if (this.opts.keepDays > 0) {
      const cutoff = Date.now() - this.opts.keepDays * 86_400_000;
      for (const b of backups) {
        const t = Date.parse(`${b.stamp.slice(0, 10)}T${b.stamp.slice(11).replace(/-/g, ':')}${this.opts.localTime ? '' : 'Z'}`);
        if (t < cutoff) remove.add(b.name);
      }
    }
    for (const name of remove) await fsp.rm(join(dir, name), { force: true });
    if (!this.opts.gzip) return;
    for (const b of backups) {
      if (b.gz || remove.has(b.name)) continue;
      const src = join(dir, b.name);
      await pipeline(createReadStream(src), createGzip(), createWriteStream(`${src}.gz`, { mode: this.opts.mode }));
      await fsp.rm(src, { force: true });
    }
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await this.milling;
    await new Promise<void>((resolve) => {
      this.boom.once('close', () => resolve());
      this.boom.once('error', () => resolve());
      this.boom.end();
    });
  }
}
