/**
 * Where a request path lands on disk, and whether it may be served:
 * Caddy's SanitizedPathJoin and fileHidden (caddyhttp.go, staticfiles.go),
 * plus one rule Caddy does not have: the resolved file must stay inside the
 * resolved root. Caddy follows symlinks anywhere; tsweb promises never to
 * send a byte from outside the root, so a link that leaves it reads as absent.
 */
import { realpath } from 'node:fs/promises';
import { resolve } from 'node:path';
import { clean, matchOrFalse } from '../../go/path.js';

/**
 * SanitizedPathJoin: the request path is cleaned as if rooted, so `..` can
 * never climb above `root`; a trailing slash survives (it means "directory").
 * `reqPath` is the decoded path (Go's r.URL.Path): %2e%2e and %2f have
 * already become `..` and `/` and are cleaned away here like their literal forms.
 */
export function sanitizedPathJoin(root: string, reqPath: string): string {
  if (root === '') root = '.';
  const rel = clean('/' + reqPath);
  let joined = clean(rel === '/' ? root : root + rel);
  if (reqPath.length > 1 && reqPath.endsWith('/') && !joined.endsWith('/')) joined += '/';
  return joined;
}

/** Is `real` the directory `realRoot` or something beneath it? Both must be real (symlink-free) paths. */
export function isInside(real: string, realRoot: string): boolean {
  if (real === realRoot) return true;
  const prefix = realRoot.endsWith('/') ? realRoot : realRoot + '/';
  return real.startsWith(prefix);
}

/** An fs error code, or '' for anything else. */
export function errCode(err: unknown): string {
  return typeof err === 'object' && err !== null && typeof (err as { code?: unknown }).code === 'string' ? (err as { code: string }).code : '';
}

/**
 * The real path of `filename` if it exists and lies inside `realRoot`;
 * null if it does not exist or leaves the root (both read as "not found",
 * so a probe cannot tell a link that escapes from a missing file).
 * Other errors (permissions, too many links) are thrown for the caller to map.
 */
export async function realInside(filename: string, realRoot: string): Promise<string | null> {
  let real: string;
  try {
    real = await realpath(filename);
  } catch (err) {
    const code = errCode(err);
    if (code === 'ENOENT' || code === 'ENOTDIR') return null;
    throw err;
  }
  return isInside(real, realRoot) ? real : null;
}

/** Caddy's FastAbs (filepath.Abs): absolute and cleaned, relative to the working directory. */
export function absPath(p: string): string {
  return resolve(p);
}

/**
 * The hide list, made ready once: entries with a slash become absolute
 * paths (relative ones are relative to the working directory, not the root,
 * as in Caddy); entries without one hide that name at any depth. Entries
 * with placeholders are resolved per request by the caller.
 */
export function normalizeHide(entry: string): string {
  return entry.includes('/') ? absPath(entry) : entry;
}

/**
 * fileHidden: `filename` (a file system path) is hidden when a bare-name entry
 * matches one of its components (as a glob), when a path entry is a
 * directory prefix of it, or when a path entry matches it as a glob.
 */
export function fileHidden(filename: string, hide: readonly string[]): boolean {
  if (hide.length === 0) return false;
  const abs = absPath(filename);
  let components: string[] | null = null;
  for (const h of hide) {
    if (!h.includes('/')) {
      components ??= abs.split('/');
      for (const c of components) if (matchOrFalse(h, c)) return true;
    } else if (abs === h || (abs.startsWith(h) && abs.charCodeAt(h.length) === 47)) {
      // Exact equality too: a literal path with glob characters in it ("/srv/[draft]") is still that path.
      return true;
    }
    if (matchOrFalse(h, abs)) return true;
  }
  return false;
}
