/**
 * file (Caddy's fileserver.MatchFile): matches when a file from `try_files`
 * exists under `root`, chosen by `try_policy`:
 *
 * - first_exist (default): the first candidate that exists — a path ending
 *   in '/' must be a directory, any other must not be; an entry "=404"
 *   fails the request with that status instead (when reached);
 * - first_exist_fallback: the same, but the last entry is taken without
 *   checking it is a file (php_fastcgi's front controller, index.php); it
 *   still has to exist, since expanding it is a glob;
 * - smallest_size / largest_size / most_recently_modified: among all
 *   candidates that exist.
 *
 * `root` defaults to {http.vars.root} (the `root` directive), or the working
 * directory; `try_files` defaults to the request path. Entries may hold
 * placeholders, whose values are glob-escaped; the entries themselves may be
 * globs (`*`, `?`, `[...]`). `split_path` cuts the path after a delimiter
 * such as ".php" (`/index.php/a/b` tries `/index.php`, remainder `/a/b`).
 *
 * On a match it sets {http.matchers.file.relative}, .absolute, .type
 * ("file" or "directory") and .remainder.
 *
 * The checks use the synchronous fs calls (stat, lstat, readdir for globs),
 * because matchers are synchronous: one or two stat calls per candidate.
 */
import { lstatSync, readdirSync, type Stats, statSync } from 'node:fs';
import { join as joinFs, sep } from 'node:path';
import { clean, match as globMatch } from '../../go/path.js';
import { matcherModule } from '../../core/registry.js';
import { compileTemplate, type Template } from '../../core/replacer.js';
import type { Ctx, Matcher } from '../../core/types.js';
import { HandlerError } from '../../core/types.js';
import { decodeFileMatcher, type FileMatcher } from './config.js';

interface Candidate {
  fullpath: string;
  relative: string;
  remainder: string;
}

/** Placeholder values cannot introduce glob syntax (Caddy's globSafeRepl). */
function globSafe(_key: string, val: unknown): unknown {
  if (typeof val !== 'string') return val;
  return val.replace(/[*[?]/g, (c) => '\\' + c);
}

/** filepath.Clean (Unix): Go's path.Clean. */
const filepathClean = clean;

/**
 * caddyhttp.SanitizedPathJoin: root + the cleaned request path, never
 * above root; a trailing slash survives.
 */
export function sanitizedPathJoin(root: string, reqPath: string): string {
  if (root === '') root = '.';
  const rel = clean('/' + reqPath).slice(1);
  let p = rel === '' ? filepathClean(root) : filepathClean(root + '/' + rel);
  if (reqPath.endsWith('/') && reqPath.length > 1) p += sep;
  return p;
}

/** Case-insensitive indexOf, with Caddy's bound (a delimiter at the very end is not found). */
function indexFold(haystack: string, needle: string): number {
  const n = needle.length;
  const lower = needle.toLowerCase();
  for (let i = 0; i + n < haystack.length; i++) {
    if (haystack.slice(i, i + n).toLowerCase() === lower) return i;
  }
  return -1;
}

function firstSplit(splits: readonly string[], path: string): [string, string] {
  for (const split of splits) {
    const idx = indexFold(path, split);
    if (idx > -1) {
      const pos = idx + split.length;
      // Only where the delimiter ends a path component.
      if (pos !== path.length && !path.slice(pos).startsWith('/')) continue;
      return [path.slice(0, pos), path.slice(pos)];
    }
  }
  return [path, ''];
}

const hasMeta = (p: string) => /[*?[\\]/.test(p);

/** Removes glob escapes from a pattern without other meta characters. */
const unescapeGlob = (p: string) => p.replace(/\\(.)/g, '$1');

function lexists(p: string): boolean {
  try {
    lstatSync(p);
    return true;
  } catch {
    return false;
  }
}

/** filepath.Glob on the local disk: sorted matches; a pattern without meta characters is an existence check. */
export function glob(pattern: string): string[] {
  try {
    globMatch(pattern, ''); // a malformed pattern matches nothing
  } catch {
    return [];
  }
  if (!hasMeta(pattern)) return lexists(pattern) ? [pattern] : [];
  const slash = pattern.lastIndexOf('/');
  let dir = pattern.slice(0, slash + 1);
  const file = pattern.slice(slash + 1);
  // cleanGlobPath: '' → '.', '/' stays, otherwise without the trailing slash.
  if (dir === '') dir = '.';
  else if (dir !== '/') dir = dir.slice(0, -1);
  if (!hasMeta(dir)) return globDir(dir, file);
  if (dir === pattern) return [];
  const out: string[] = [];
  for (const d of glob(dir)) out.push(...globDir(d, file));
  return out;
}

function globDir(dir: string, pattern: string): string[] {
  let names: string[];
  try {
    if (!statSync(dir).isDirectory()) return [];
    names = readdirSync(dir);
  } catch {
    return [];
  }
  names.sort();
  const out: string[] = [];
  for (const n of names) {
    let ok = false;
    try {
      ok = globMatch(pattern, n);
    } catch {
      return out;
    }
    if (ok) out.push(dir === '.' ? n : joinFs(dir, n));
  }
  return out;
}

function stat(p: string): Stats | null {
  try {
    return statSync(p);
  } catch {
    return null;
  }
}

/** Exists, and is a directory exactly when the path ends in a separator. */
function strictFileExists(p: string): Stats | null {
  const info = stat(p);
  if (info === null) return null;
  return p.endsWith(sep) === info.isDirectory() ? info : null;
}

/** "=404" in try_files: the status to fail with (first_exist only). */
function errorCode(entry: string): number | null {
  if (entry.length > 1 && entry[0] === '=') {
    const code = /^[+-]?\d+$/.test(entry.slice(1)) ? Number(entry.slice(1)) : NaN;
    if (Number.isInteger(code) && code >= 100 && code <= 999) return code;
  }
  return null;
}

function provision(config: FileMatcher): Matcher {
  const { policy } = config;
  const root = compileTemplate(config.root || '{http.vars.root}', 'empty', { empty: '.' });
  const entries = config.tryFiles.map((entry) => ({
    entry,
    code: errorCode(entry),
    expand: compileTemplate(entry, 'empty', { transform: globSafe }),
  }));
  const splits = config.splitPath;

  const candidates = (ctx: Ctx, rootDir: string, entry: string, expand: Template): Candidate[] => {
    const expanded = expand(ctx.repl);
    let [before, after] = firstSplit(splits, clean(expanded));
    if (entry.endsWith('/')) before += '/';
    const pattern = sanitizedPathJoin(rootDir, before);
    return glob(pattern).map((fullpath) => ({
      fullpath,
      relative: fullpath.startsWith(rootDir) ? fullpath.slice(rootDir.length) : fullpath,
      remainder: after,
    }));
  };

  const lastFallback = policy === 'first_exist_fallback' ? entries.length - 1 : -1;
  const publish = (ctx: Ctx, c: Candidate, isDir: boolean): true => {
    const repl = ctx.repl;
    repl.set('http.matchers.file.relative', c.relative);
    repl.set('http.matchers.file.absolute', c.fullpath);
    repl.set('http.matchers.file.remainder', c.remainder);
    repl.set('http.matchers.file.type', isDir ? 'directory' : 'file');
    return true;
  };

  return (ctx) => {
    const rootDir = filepathClean(root(ctx.repl));
    if (policy === '' || policy === 'first_exist' || policy === 'first_exist_fallback') {
      for (let i = 0; i < entries.length; i++) {
        const { entry, code, expand } = entries[i]!;
        if (code !== null) throw new HandlerError(code, String(code));
        for (const c of candidates(ctx, rootDir, entry, expand)) {
          // Caddy skips the strict check for the fallback and calls it a file, whatever it is.
          if (i === lastFallback) return publish(ctx, c, false);
          const info = strictFileExists(c.fullpath);
          if (info !== null) return publish(ctx, c, info.isDirectory());
        }
      }
      return false;
    }
    let best: Candidate | null = null;
    let bestInfo: Stats | null = null;
    for (const { entry, expand } of entries) {
      for (const c of candidates(ctx, rootDir, entry, expand)) {
        const info = stat(c.fullpath);
        if (info === null) continue;
        let better: boolean;
        if (policy === 'largest_size') better = info.size > (bestInfo?.size ?? 0);
        // Caddy's quirk kept: a zero-size best is replaced by any later file.
        else if (policy === 'smallest_size') better = (bestInfo?.size ?? 0) === 0 || info.size < bestInfo!.size;
        else better = bestInfo === null || info.mtimeMs > bestInfo.mtimeMs;
        if (better) {
          best = c;
          bestInfo = info;
        }
      }
    }
    return best !== null && bestInfo !== null ? publish(ctx, best, bestInfo.isDirectory()) : false;
  };
}

export const fileMatcher = matcherModule('file', { decode: decodeFileMatcher, provision });

