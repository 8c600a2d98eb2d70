/**
 * Placeholders that need no request (caddy's globalDefaultReplacements and
 * fileReplacementProvider): {env.*}, {system.*}, {time.now*}, {file.*}.
 * Each key is turned into its getter once; the getter reads the live value
 * (environment, clock) every time, as Caddy does.
 */
import { closeSync, openSync, readSync } from 'node:fs';
import { commonLogTime, goArch, goHostname, goOS, httpTime } from '../../go/fmt.js';

export type GlobalGetter = () => unknown;

/** The getter for a global key, or null when the key is not a global one. */
export function globalKey(key: string): GlobalGetter | null {
  if (key.startsWith('env.')) {
    const name = key.slice(4);
    return () => process.env[name] ?? '';
  }
  switch (key) {
    case 'system.hostname':
      return goHostname;
    case 'system.slash':
      return () => '/';
    case 'system.os':
      return goOS;
    case 'system.arch':
      return goArch;
    case 'system.wd':
      return () => process.cwd();
    case 'time.now':
      // A Date; printed like Go's time.Time (see toGoString).
      return () => new Date();
    case 'time.now.http':
      return () => httpTime();
    case 'time.now.common_log':
      return () => commonLogTime();
    case 'time.now.year':
      return () => String(new Date().getFullYear());
    case 'time.now.unix':
      return () => String(Math.floor(Date.now() / 1000));
    case 'time.now.unix_ms':
      return () => String(Date.now());
  }
  return null;
}

const FILE_MAX = 1024 * 1024;

/**
 * {file./path}: the file's first MiB, one trailing "\n" and then one "\r"
 * removed; an unreadable file is known and empty (Caddy logs the error).
 * Read synchronously because placeholders are; use it for small files.
 */
export function fileKey(key: string): GlobalGetter | null {
  if (!key.startsWith('file.')) return null;
  const filename = key.slice(5);
  return () => {
    let fd: number | undefined;
    try {
      fd = openSync(filename, 'r');
      const buf = Buffer.allocUnsafe(FILE_MAX);
      const n = readSync(fd, buf, 0, FILE_MAX, null);
      let s = buf.toString('utf8', 0, n);
      if (s.endsWith('\n')) s = s.slice(0, -1);
      if (s.endsWith('\r')) s = s.slice(0, -1);
      return s;
    } catch (err) {
      process.emitWarning(`placeholder: failed to read file ${filename}: ${(err as Error).message}`);
      return null;
    } finally {
      if (fd !== undefined) closeSync(fd);
    }
  };
}
