/**
 * Opening a file under the root, fast and without ever serving a byte from
 * outside it. The old way was four thread-pool round trips per request
 * (realpath, open, fstat, close), each a hop to libuv's pool and back: on a
 * small file that was most of the request's time. Here everything is a
 * synchronous call (a local-disk metadata syscall costs microseconds, far
 * less than the hop), and the one expensive step, resolving the real path,
 * is remembered for a second per file name.
 *
 * Why a remembered real path is still safe: it only decides whether to
 * open at all (so a link leading out of the root is never even opened).
 * What was actually opened is checked afterwards from the descriptor
 * itself (/proc/self/fd, Linux), so a tree that changed since (a swapped
 * `current -> release-N` link, a file replaced by a link) is seen at once:
 * the remembered path is dropped and the request resolves afresh. Without
 * /proc nothing is remembered and the real path is resolved every time.
 */
import { closeSync, constants, existsSync, fstatSync, openSync, readlinkSync, readSync, realpathSync, type Stats } from 'node:fs';
import { errCode, isInside } from './paths.js';
import { keepSmallFile, MAX_SMALL_FILE, smallFile } from './small_files.js';

export interface OpenedFile {
  /** The open descriptor, or -1 when the whole file is in `body` (nothing to close). */
  fd: number;
  st: Stats;
  /** The real (symlink-free) path of what is open. */
  real: string;
  /** The whole content of a small file (small_files.ts), else null. */
  body: Buffer | null;
}

/**
 * O_NONBLOCK: opening a FIFO would otherwise wait for a writer (forever, for
 * a request); reads of regular files ignore it. O_NOCTTY: a terminal device
 * reached through a link must not become anyone's controlling terminal.
 */
const OPEN_FLAGS = constants.O_RDONLY | (constants.O_NONBLOCK ?? 0) | (constants.O_NOCTTY ?? 0);

/** Can an open descriptor name its file? (Linux; elsewhere the path is resolved per request.) */
const procFd = (() => {
  try {
    return process.platform === 'linux' && existsSync('/proc/self/fd');
  } catch {
    return false;
  }
})();

const TTL_MS = 1000;
const MAX_ENTRIES = 4096;

/** realpath(3) in one native call; ENOENT/ENOTDIR (absent) → null, other errors thrown. */
function realpathOrNull(filename: string): string | null {
  try {
    return realpathSync.native(filename);
  } catch (err) {
    const code = errCode(err);
    if (code === 'ENOENT' || code === 'ENOTDIR') return null;
    throw err;
  }
}

function openOrNull(path: string): number | null {
  try {
    return openSync(path, OPEN_FLAGS);
  } catch (err) {
    const code = errCode(err);
    if (code === 'ENOENT' || code === 'ENOTDIR') return null;
    throw err;
  }
}

export function closeQuietly(fd: number): void {
  try {
    closeSync(fd);
  } catch {
    // already closed, or nothing useful to do about it
  }
}

/** One per file_server config: real paths by file name, for a second, bounded. */
export class FileOpener {
  private readonly reals = new Map<string, { real: string; expires: number }>();

  /**
   * Opens `filename` if it exists and its real path lies inside `realRoot`;
   * null when it is absent or leads outside (the same answer, so a probe
   * cannot tell them apart). Other fs errors are thrown for the caller to map.
   */
  open(filename: string, realRoot: string): OpenedFile | null {
    const kept = smallFile(filename);
    if (kept !== null && isInside(kept.real, realRoot)) return { fd: -1, st: kept.st, real: kept.real, body: kept.body };
    const f = this.openChecked(filename, realRoot);
    return f === null ? null : this.keepIfSmall(filename, f);
  }

  /** A small regular file is read whole now (one read), remembered, and its descriptor closed. */
  private keepIfSmall(filename: string, f: OpenedFile): OpenedFile {
    if (!f.st.isFile() || f.st.size > MAX_SMALL_FILE) return f;
    let body: Buffer;
    try {
      // Its own memory, not a slice of Node's shared pool: a kept slice would pin the whole pool chunk.
      body = Buffer.allocUnsafeSlow(f.st.size);
      // Short (a file shrinking right now): leave it to the normal path, which notices.
      if (readSync(f.fd, body, 0, body.length, 0) !== body.length) return f;
    } catch {
      return f;
    }
    closeQuietly(f.fd);
    const file = { st: f.st, real: f.real, body };
    keepSmallFile(filename, file);
    return { fd: -1, ...file };
  }

  private openChecked(filename: string, realRoot: string): OpenedFile | null {
    if (!procFd) return this.openResolved(filename, realRoot);
    const now = Date.now();
    const hit = this.reals.get(filename);
    let real: string | null;
    if (hit !== undefined && hit.expires > now) {
      real = hit.real;
    } else {
      real = realpathOrNull(filename);
      if (real === null || !isInside(real, realRoot)) return null;
      if (hit === undefined && this.reals.size >= MAX_ENTRIES) {
        // Oldest first (Map order): one-off names age out, busy ones come back.
        this.reals.delete(this.reals.keys().next().value!);
      }
      this.reals.set(filename, { real, expires: now + TTL_MS });
    }
    if (!isInside(real, realRoot)) return null;

    const fd = openOrNull(filename);
    if (fd === null) {
      this.reals.delete(filename);
      return null;
    }
    let actual: string;
    try {
      actual = readlinkSync(`/proc/self/fd/${fd}`);
    } catch {
      actual = '';
    }
    if (actual !== real) {
      // The tree changed since the path was resolved (or /proc names it
      // differently): forget it and take the careful way.
      closeQuietly(fd);
      this.reals.delete(filename);
      return this.openResolved(filename, realRoot);
    }
    try {
      return { fd, st: fstatSync(fd), real, body: null };
    } catch (err) {
      closeQuietly(fd);
      throw err;
    }
  }

  /** Resolve, check, then open the resolved path: nothing remembered. */
  private openResolved(filename: string, realRoot: string): OpenedFile | null {
    const real = realpathOrNull(filename);
    if (real === null || !isInside(real, realRoot)) return null;
    const fd = openOrNull(real);
    if (fd === null) return null;
    try {
      return { fd, st: fstatSync(fd), real, body: null };
    } catch (err) {
      closeQuietly(fd);
      throw err;
    }
  }
}
