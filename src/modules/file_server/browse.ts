/**
 * Directory browsing (Caddy's browse.go): a listing of a directory that has
 * no index file, as JSON when the client asks for application/json and as
 * an HTML page otherwise. Sort and order come from the query, then from the
 * cookies a previous choice left, then from the config.
 */
import { base, clean } from '../../go/path.js';
import type { Ctx } from '../../core/types.js';
import { renderListing } from './browse_html.js';
import { goJSON, listDirectory, sortAndLimit, sortKeys } from './listing.js';
import { redirect } from './redirect.js';

export interface BrowseConfig {
  revealSymlinks: boolean;
  /** Caddy's `sort <by> [<order>]` defaults. */
  sortBy: string;
  order: string;
  fileLimit: number;
}

/** Caddy's default cap on entries read from one directory. */
export const DEFAULT_FILE_LIMIT = 10_000;

function cookie(ctx: Ctx, name: string): string | undefined {
  const raw = ctx.req.headers.cookie;
  if (!raw) return undefined;
  for (const part of raw.split(';')) {
    const eq = part.indexOf('=');
    if (eq < 0) continue;
    if (part.slice(0, eq).trim() === name) return part.slice(eq + 1).trim().replace(/^"(.*)"$/, '$1');
  }
  return undefined;
}

function setCookie(ctx: Ctx, name: string, value: string): void {
  const v = `${name}=${value}${ctx.scheme === 'https' ? '; Secure' : ''}`;
  const prev = ctx.w.getHeader('Set-Cookie');
  const list = prev === undefined ? [] : Array.isArray(prev) ? prev : [String(prev)];
  ctx.w.setHeader('Set-Cookie', [...list, v]);
}

export interface BrowseTarget {
  /** The directory's real path, the root's real path, and the unresolved path the hide list sees. */
  realDir: string;
  realRoot: string;
  dirFilename: string;
  hide: readonly string[];
}

export async function serveBrowse(ctx: Ctx, cfg: BrowseConfig, t: BrowseTarget): Promise<void> {
  // Relative links in the listing need the trailing slash; redirect from
  // the URL the client knows, unless a rewrite changed the file name.
  if (base(ctx.origPath) === base(ctx.path) && !ctx.origPath.endsWith('/')) {
    redirect(ctx, ctx.origPath + '/');
    return;
  }
  let items = await listDirectory({
    dir: t.realDir,
    realRoot: t.realRoot,
    hide: t.hide,
    dirFilename: t.dirFilename,
    revealSymlinks: cfg.revealSymlinks,
    limit: cfg.fileLimit,
  });

  const q = new URLSearchParams(ctx.query);
  let sort = q.get('sort') ?? '';
  let order = q.get('order') ?? '';
  if (sort === '') sort = cookie(ctx, 'sort') ?? cfg.sortBy;
  else if ((sortKeys as readonly string[]).includes(sort)) setCookie(ctx, 'sort', sort);
  if (order === '') order = cookie(ctx, 'order') ?? cfg.order;
  else if (order === 'asc' || order === 'desc') setCookie(ctx, 'order', order);

  const numDirs = items.filter((i) => i.is_dir).length;
  const numFiles = items.length - numDirs;
  items = sortAndLimit(items, sort, order, q.get('limit') ?? '', q.get('offset') ?? '');

  const accept = ([] as string[]).concat(ctx.req.headers.accept ?? []).join(',').toLowerCase();
  let body: string;
  if (accept.includes('application/json')) {
    body = goJSON(items);
    ctx.w.setHeader('Content-Type', 'application/json; charset=utf-8');
  } else {
    const cleaned = clean(ctx.path);
    const path = cleaned === '/' ? '/' : `${cleaned}/`;
    body = renderListing({ path, items, sort, order, canGoUp: cleaned.length > 1, numDirs, numFiles });
    ctx.w.setHeader('Content-Type', 'text/html; charset=utf-8');
  }
  ctx.w.setHeader('Content-Length', Buffer.byteLength(body));
  ctx.w.end(body);
}
