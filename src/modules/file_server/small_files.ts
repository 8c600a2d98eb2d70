/**
 * Small files kept in memory for a second. A hit costs one stat of the
 * path instead of open, readlink, fstat, read and close: on a small file
 * those syscalls were most of what a request cost.
 *
 * Why it cannot serve the wrong thing: an entry is made only from a file
 * that was opened and checked to lie inside the root (open.ts), with the
 * bytes read from that very descriptor. A hit needs the path to lead, right
 * now, to the same inode (device and inode number) with the same size,
 * modification and change times; a replaced file, a swapped link, an edit
 * that changes the size or a timestamp is a miss. What remains is an
 * in-place edit of the same size inside one timestamp tick of the read,
 * and that lives at most TTL_MS. Shared by all file servers (keyed by the
 * joined path; the root check is the caller's), bounded in bytes.
 */
import { type Stats, statSync } from 'node:fs';

export interface SmallFile {
  st: Stats;
  real: string;
  body: Buffer;
}

interface Entry extends SmallFile {
  expires: number;
}

/** Files up to this size are kept (the size of serve_content's one-read path). */
export const MAX_SMALL_FILE = 128 * 1024;
const TTL_MS = 1000;
const BUDGET = 16 * 1024 * 1024;

const entries = new Map<string, Entry>();
let bytes = 0;
let sweeping: NodeJS.Timeout | undefined;

function drop(key: string, e: Entry): void {
  entries.delete(key);
  bytes -= e.body.length;
}

/** Expired entries leave from the front (Map order is fill order, so expiry order). */
function sweep(now: number): void {
  for (const [key, e] of entries) {
    if (e.expires > now) break;
    drop(key, e);
  }
}

function scheduleSweep(): void {
  if (sweeping !== undefined) return;
  // An idle server should not hold file contents: empty the cache once it is quiet.
  sweeping = setTimeout(() => {
    sweeping = undefined;
    sweep(Date.now());
    if (entries.size > 0) scheduleSweep();
  }, TTL_MS * 2);
  sweeping.unref();
}

const same = (a: Stats, b: Stats) =>
  a.ino === b.ino && a.dev === b.dev && a.size === b.size && a.mtimeMs === b.mtimeMs && a.ctimeMs === b.ctimeMs;

/** The kept file `filename` still leads to, or null (absent, changed, expired, unreadable: take the normal way). */
export function smallFile(filename: string): SmallFile | null {
  const e = entries.get(filename);
  if (e === undefined) return null;
  if (e.expires <= Date.now()) {
    drop(filename, e);
    return null;
  }
  let now: Stats | undefined;
  try {
    now = statSync(filename, { throwIfNoEntry: false });
  } catch {
    now = undefined;
  }
  if (now === undefined || !same(now, e.st)) {
    drop(filename, e);
    return null;
  }
  return e;
}

/** Keeps `body` (the whole file, read from a descriptor checked to be inside the root) for TTL_MS. */
export function keepSmallFile(filename: string, file: SmallFile): void {
  if (file.body.length > MAX_SMALL_FILE || file.body.length !== file.st.size) return;
  const now = Date.now();
  const old = entries.get(filename);
  if (old !== undefined) drop(filename, old);
  sweep(now);
  while (bytes + file.body.length > BUDGET && entries.size > 0) {
    const [key, e] = entries.entries().next().value!;
    drop(key, e);
  }
  entries.set(filename, { ...file, expires: now + TTL_MS });
  bytes += file.body.length;
  scheduleSweep();
}
