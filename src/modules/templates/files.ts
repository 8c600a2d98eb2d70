/**
 * The template file functions' file system: Go's http.Dir over the
 * templates' root (a name is cleaned as "/"+name, so nothing above the root
 * is reachable), with os errors worded as Go's ("open /srv/x: no such file
 * or directory"). Reads are synchronous, as a template's execution is; they
 * are the small files a page includes.
 */
import { closeSync, fstatSync, opendirSync, openSync, readFileSync, statSync, type Stats } from 'node:fs';
import { join } from 'node:path';
import { goErrnoText } from '../../go/errno.js';
import { clean } from '../../go/path.js';
import { GoTime } from '../../go/template/gotime.js';
import { GO_TYPE } from '../../go/template/values.js';

export class GoFileMode {
  readonly [GO_TYPE] = 'fs.FileMode';
  constructor(private readonly st: Stats) {}
  IsDir(): boolean {
    return this.st.isDirectory();
  }
  IsRegular(): boolean {
    return this.st.isFile();
  }
  Perm(): number {
    return this.st.mode & 0o777;
  }
  /** fs.FileMode.String(): "drwxr-xr-x", "-rw-r--r--". */
  String(): string {
    const m = this.st.mode;
    let s = this.st.isDirectory() ? 'd' : this.st.isSymbolicLink() ? 'L' : '-';
    const rwx = 'rwxrwxrwx';
    for (let i = 0; i < 9; i++) s += m & (1 << (8 - i)) ? rwx[i] : '-';
    return s;
  }
}

/** fs.FileInfo. */
export class GoFileInfo {
  readonly [GO_TYPE] = '*os.fileStat';
  constructor(
    private readonly name: string,
    private readonly st: Stats,
  ) {}
  Name(): string {
    return this.name;
  }
  Size(): number {
    return this.st.size;
  }
  Mode(): GoFileMode {
    return new GoFileMode(this.st);
  }
  ModTime(): GoTime {
    return GoTime.fromDate(this.st.mtime);
  }
  IsDir(): boolean {
    return this.st.isDirectory();
  }
  Sys(): null {
    return null;
  }
}

function osError(op: string, path: string, err: unknown): Error {
  const code = (err as NodeJS.ErrnoException).code;
  const text = goErrnoText(code) ?? (err instanceof Error ? err.message : String(err));
  return new Error(`${op} ${path}: ${text}`);
}

export class RootFS {
  constructor(readonly root: string) {}

  /** http.Dir.Open's name → path mapping. */
  path(name: string): string {
    return join(this.root === '' ? '.' : this.root, clean('/' + name));
  }

  readFile(name: string): string {
    const p = this.path(name);
    let fd: number;
    try {
      fd = openSync(p, 'r');
    } catch (e) {
      throw osError('open', p, e);
    }
    try {
      if (fstatSync(fd).isDirectory()) throw new Error(`read ${p}: is a directory`);
      return readFileSync(fd, 'utf8');
    } finally {
      closeSync(fd);
    }
  }

  exists(name: string): boolean {
    try {
      statSync(this.path(name));
      return true;
    } catch {
      return false;
    }
  }

  /** The file's path under the root and its stat, or Go's `open` error. */
  private statAt(name: string): [string, Stats] {
    const p = this.path(clean(name));
    try {
      return [p, statSync(p)];
    } catch (e) {
      throw osError('open', p, e);
    }
  }

  stat(name: string): GoFileInfo {
    const [p, st] = this.statAt(name);
    const base = p.split('/').filter(Boolean).pop() ?? '/';
    return new GoFileInfo(base, st);
  }

  list(name: string): string[] {
    const [p, st] = this.statAt(name);
    if (!st.isDirectory()) throw new Error(`${name} is not a directory`);
    // Directory order, as Go's Readdir gives it (readdirSync would sort the names).
    const names: string[] = [];
    try {
      const d = opendirSync(p);
      try {
        for (let e = d.readSync(); e !== null; e = d.readSync()) names.push(e.name);
      } finally {
        d.closeSync();
      }
    } catch (e) {
      throw osError('readdirent', p, e);
    }
    return names;
  }
}
