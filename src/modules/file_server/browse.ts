/**
 * Directory browsing (Caddy's browse.go): a listing of a directory that has
 * no index file, as JSON when the client asks for application/json and as
 * an HTML page otherwise (tsweb's own, or the config's template_file run
 * as Caddy runs it: browse_template.ts). Sort and order come from the
 * query, then from the cookies a previous choice left, then from the
 * config.
 */
import { base, clean } from '../../go/path.js';
import type { Ctx } from '../../core/types.js';
import { escapedPath } from '../../go/url.js';
import { renderListing } from './browse_html.js';
import { renderTemplateFile } from './browse_template.js';
import { type Entry, goJSON, listDirectory, sortAndLimit, sortKeys } from './listing.js';
import { redirect } from './redirect.js';

export interface BrowseConfig {
  revealSymlinks: boolean;
  /** Caddy's `sort <by> [<order>]` defaults. */
  sortBy: string;
  order: string;
  fileLimit: number;
  /** A Go text/template file for the HTML page; null: tsweb's listing. */
  templateFile: string | null;
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
  const all = items;
  items = sortAndLimit(items, sort, order, q.get('limit') ?? '', q.get('offset') ?? '');

  const accept = ([] as string[]).concat(ctx.req.headers.accept ?? []).join(',').toLowerCase();
  let body: string;
  if (accept.includes('application/json')) {
    body = goJSON(items);
    ctx.w.setHeader('Content-Type', 'application/json; charset=utf-8');
  } else if (cfg.templateFile !== null) {
    body = await renderTemplateFile(ctx, cfg.templateFile, t.realRoot, templateListing(ctx, all, items, q, sort, order, numDirs, numFiles));
    ctx.w.setHeader('Content-Type', 'text/html; charset=utf-8');
  } else {
    const cleaned = clean(ctx.path);
    const path = cleaned === '/' ? '/' : `${cleaned}/`;
    body = renderListing({ path, items, sort, order, canGoUp: cleaned.length > 1, numDirs, numFiles });
    ctx.w.setHeader('Content-Type', 'text/html; charset=utf-8');
  }
  ctx.w.setHeader('Content-Length', Buffer.byteLength(body));
  ctx.w.end(body);
}

/** Caddy's browseTemplateContext fields beyond the items (browsetplcontext.go, browse.go). */
function templateListing(ctx: Ctx, all: Entry[], items: Entry[], q: URLSearchParams, sort: string, order: string, numDirs: number, numFiles: number) {
  const total = all.length;
  let totalFileSize = 0;
  let totalFileSizeFollowingSymlinks = 0;
  for (const i of all) {
    if (i.is_dir) continue;
    totalFileSize += i.ownSize;
    totalFileSizeFollowingSymlinks += i.size;
  }
  // The offset and limit sortAndLimit applied: only those within range count.
  const off = Number.parseInt(q.get('offset') ?? '', 10);
  const offset = off > 0 && off <= total ? off : 0;
  const lim = Number.parseInt(q.get('limit') ?? '', 10);
  const limit = lim > 0 && lim <= total - offset ? lim : 0;
  const layout = q.get('layout') ?? '';
  return {
    path: clean(escapedPath(ctx.path, ctx.rawPath)),
    items,
    numDirs,
    numFiles,
    totalFileSize,
    totalFileSizeFollowingSymlinks,
    sort,
    order,
    limit,
    offset,
    layout: layout === 'list' || layout === 'grid' || layout === '' ? layout : 'list',
  };
}
