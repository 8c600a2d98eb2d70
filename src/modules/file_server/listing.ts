/**
 * A directory listing as Caddy's browse builds it (browsetplcontext.go):
 * one entry per visible child with Caddy's JSON field names, symlinks
 * described by their targets (when those stay inside the root), sorting by
 * name / namedirfirst / size / time, then offset and limit.
 */
import { lstat, opendir, readlink, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { escape } from '../../go/url.js';
import { fileHidden, realInside } from './paths.js';

export interface Entry {
  name: string;
  size: number;
  url: string;
  /** RFC 3339 with nanoseconds, UTC, as Go's time.Time marshals. */
  mod_time: string;
  /** Go's os.FileMode bits. */
  mode: number;
  is_dir: boolean;
  is_symlink: boolean;
  symlink_path?: string;
  /** For sorting by time without reparsing. */
  mtimeNs: bigint;
  /** A symlink's own size (the template's TotalFileSize counts it; size is the target's). */
  ownSize: number;
}

export const sortKeys = ['name', 'namedirfirst', 'size', 'time'] as const;
export type SortKey = (typeof sortKeys)[number];

// Go's FileMode type bits.
const MODE_DIR = 2 ** 31;
const MODE_SYMLINK = 2 ** 27;
const MODE_DEVICE = 2 ** 26;
const MODE_PIPE = 2 ** 25;
const MODE_SOCKET = 2 ** 24;
const MODE_SETUID = 2 ** 23;
const MODE_SETGID = 2 ** 22;
const MODE_CHARDEV = 2 ** 21;
const MODE_STICKY = 2 ** 20;

/** A Unix st_mode as Go's os.FileMode (what Caddy's JSON "mode" holds). */
export function goFileMode(m: number): number {
  let mode = m & 0o777;
  switch (m & 0o170000) {
    case 0o040000: mode += MODE_DIR; break;
    case 0o120000: mode += MODE_SYMLINK; break;
    case 0o010000: mode += MODE_PIPE; break;
    case 0o140000: mode += MODE_SOCKET; break;
    case 0o060000: mode += MODE_DEVICE; break;
    case 0o020000: mode += MODE_DEVICE + MODE_CHARDEV; break;
  }
  if (m & 0o4000) mode += MODE_SETUID;
  if (m & 0o2000) mode += MODE_SETGID;
  if (m & 0o1000) mode += MODE_STICKY;
  return mode;
}

/** Go's RFC3339Nano in UTC: fraction without trailing zeros, none at all for whole seconds. */
export function rfc3339Nano(ns: bigint): string {
  const sec = ns / 1_000_000_000n;
  let frac = ns % 1_000_000_000n;
  let s = sec;
  if (frac < 0n) {
    frac += 1_000_000_000n;
    s -= 1n;
  }
  const base = new Date(Number(s) * 1000).toISOString().slice(0, 19);
  const f = frac === 0n ? '' : '.' + frac.toString().padStart(9, '0').replace(/0+$/, '');
  return `${base}${f}Z`;
}

export interface ListOptions {
  /** The directory on disk (real path) and the root's real path. */
  dir: string;
  realRoot: string;
  hide: readonly string[];
  /** The directory as the hide list sees it (the unresolved path under the root). */
  dirFilename: string;
  revealSymlinks: boolean;
  /** Read at most this many entries (Caddy's file_limit). */
  limit: number;
}

/** Reads and describes the directory; hidden entries are left out entirely. */
export async function listDirectory(o: ListOptions): Promise<Entry[]> {
  const names: string[] = [];
  const dir = await opendir(o.dir);
  try {
    for await (const d of dir) {
      if (names.length >= o.limit) break;
      names.push(d.name);
    }
  } finally {
    // Breaking out of the loop closes the handle already; closing twice throws.
    await dir.close().catch(() => {});
  }
  const entries = await Promise.all(names.map((name) => describe(o, name)));
  return entries.filter((e): e is Entry => e !== null);
}

async function describe(o: ListOptions, name: string): Promise<Entry | null> {
  // Caddy checks the bare name; the full path is checked too, so that path
  // entries (the Caddyfile itself, "/srv/private") also vanish from listings.
  if (fileHidden(name, o.hide) || fileHidden(join(o.dirFilename, name), o.hide)) return null;
  const path = join(o.dir, name);
  let info;
  try {
    info = await lstat(path, { bigint: true });
  } catch {
    return null; // gone since readdir
  }
  const isSymlink = info.isSymbolicLink();
  let isDir = info.isDirectory();
  const ownSize = Number(info.size);
  let size = ownSize;
  let symlinkPath: string | undefined;
  if (isSymlink) {
    // A link is described by its target only when the target is inside the
    // root: a listing must not reveal what lies outside it either.
    try {
      const real = await realInside(path, o.realRoot);
      if (real !== null) {
        const t = await stat(real);
        isDir = t.isDirectory();
        size = t.size;
      }
    } catch {
      // A dangling or unreadable link is listed as itself.
    }
    if (o.revealSymlinks) {
      try {
        symlinkPath = await readlink(path);
      } catch {
        // leave it out
      }
    }
  }
  const shown = isDir ? `${name}/` : name;
  const entry: Entry = {
    name: shown,
    size,
    url: './' + escape(shown, 'path'),
    mod_time: rfc3339Nano(info.mtimeNs),
    mode: goFileMode(Number(info.mode)),
    is_dir: isDir,
    is_symlink: isSymlink,
    mtimeNs: info.mtimeNs,
    ownSize,
  };
  if (symlinkPath !== undefined && symlinkPath !== '') entry.symlink_path = symlinkPath;
  return entry;
}

const byName = (a: Entry, b: Entry) => {
  const x = a.name.toLowerCase();
  const y = b.name.toLowerCase();
  return x < y ? -1 : x > y ? 1 : 0;
};

/** Caddy's comparators: name (case-insensitive), directories first, size (directories before files), time. */
const comparators: Record<SortKey, (a: Entry, b: Entry) => number> = {
  name: byName,
  namedirfirst: (a, b) => (a.is_dir === b.is_dir ? byName(a, b) : a.is_dir ? -1 : 1),
  size: (a, b) => {
    if (a.is_dir !== b.is_dir) return a.is_dir ? -1 : 1;
    return a.is_dir ? byName(a, b) : a.size - b.size;
  },
  time: (a, b) => (a.mtimeNs < b.mtimeNs ? -1 : a.mtimeNs > b.mtimeNs ? 1 : 0),
};

/** applySortAndLimit: unknown sort keys leave the order alone; offset and limit apply only when in range. */
export function sortAndLimit(items: Entry[], sort: string, order: string, limit: string, offset: string): Entry[] {
  const cmp = comparators[sort as SortKey];
  // Descending sorts with the comparison turned around, not by reversing: equal
  // entries keep the directory's order, as Go's sort.Reverse does (its
  // insertion sort, stable, is what small directories get).
  if (cmp) items.sort(order === 'desc' ? (a, b) => cmp(b, a) : cmp);
  const off = Number.parseInt(offset, 10);
  if (off > 0 && off <= items.length) items = items.slice(off);
  const lim = Number.parseInt(limit, 10);
  if (lim > 0 && lim <= items.length) items = items.slice(0, lim);
  return items;
}

/** Go's json.Encoder output: HTML-significant characters escaped, newline at the end. */
export function goJSON(items: readonly Entry[]): string {
  const plain = items.map(({ mtimeNs: _, ownSize: __, ...rest }) => rest);
  return (
    JSON.stringify(plain)
      .replace(/[<>&\u2028\u2029]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`) + '\n'
  );
}
