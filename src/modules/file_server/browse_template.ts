/**
 * `browse <template_file>` (Caddy's makeBrowseTemplate + templateContext):
 * the file is read and parsed on every listing, as Caddy does, so edits
 * show without a reload. It runs as a Go text/template (not html/template:
 * Caddy's default listing escapes with {{html ...}} itself, and a custom
 * template's output is exactly what it prints) with the templates
 * handler's context and functions (.Req, .Host, include, markdown, Sprig,
 * …) and, promoted beside them as Go's struct embedding does, the
 * listing's fields: .Name .Path .CanGoUp .Items .NumDirs .NumFiles
 * .TotalFileSize .TotalFileSizeFollowingSymlinks .Sort .Order .Limit
 * .Offset .Layout and .Breadcrumbs / .HumanTotalFileSize. Each item has
 * .Name .Size .URL .ModTime .Mode .IsDir .IsSymlink .SymlinkPath .Tpl and
 * .HasExt / .HumanSize / .HumanModTime.
 */
import { readFile } from 'node:fs/promises';
import { HandlerError, type Ctx } from '../../core/types.js';
import { base } from '../../go/path.js';
import { GoTime } from '../../go/template/gotime.js';
import { GO_TYPE, type GoFunc } from '../../go/template/values.js';
import { pathUnescape } from '../../go/url.js';
import { TemplateContext, type IncludedResponse, type RunState } from '../templates/context.js';
import { RootFS } from '../templates/files.js';
import { fetchInclude } from '../templates/include.js';
import { humanSize } from './browse_html.js';
import type { Entry } from './listing.js';

/** httpInclude requests one listing may make (each round runs the template again). */
const MAX_INCLUDES = 32;

/** Go's os.FileMode: prints as `drwxr-xr-x`. */
class FileMode {
  readonly [GO_TYPE] = 'fs.FileMode';
  constructor(private readonly m: number) {}
  String(): string {
    const types = 'dalTLDpSugct?';
    let out = '';
    for (let i = 0; i < types.length; i++) if (Math.floor(this.m / 2 ** (31 - i)) % 2 === 1) out += types[i];
    if (out === '') out = '-';
    const rwx = 'rwxrwxrwx';
    for (let i = 0; i < 9; i++) out += this.m & (1 << (8 - i)) ? rwx[i] : '-';
    return out;
  }
  valueOf(): number {
    return this.m;
  }
}

class Crumb {
  readonly [GO_TYPE] = 'fileserver.crumb';
  constructor(
    readonly Link: string,
    readonly Text: string,
  ) {}
}

/** fileserver.fileInfo. */
class FileInfo {
  readonly [GO_TYPE] = 'fileserver.fileInfo';
  readonly Name: string;
  readonly Size: number;
  readonly URL: string;
  readonly ModTime: GoTime;
  readonly Mode: FileMode;
  readonly IsDir: boolean;
  readonly IsSymlink: boolean;
  readonly SymlinkPath: string;
  constructor(
    e: Entry,
    readonly Tpl: BrowseTemplateContext,
  ) {
    this.Name = e.name;
    this.Size = e.size;
    this.URL = e.url;
    const ns = e.mtimeNs;
    const ms = Number(ns / 1_000_000n);
    this.ModTime = new GoTime(ms, 0, 'UTC', Number(ns % 1_000_000n));
    this.Mode = new FileMode(e.mode);
    this.IsDir = e.is_dir;
    this.IsSymlink = e.is_symlink;
    this.SymlinkPath = e.symlink_path ?? '';
  }
  HasExt(...exts: unknown[]): boolean {
    const name = this.Name.toLowerCase();
    return exts.some((x) => name.endsWith(String(x).toLowerCase()));
  }
  HumanSize(): string {
    return humanSize(this.Size);
  }
  HumanModTime(format: unknown): string {
    return this.ModTime.Format(String(format));
  }
}
// Variadic, as Go's HasExt(exts ...string).
(FileInfo.prototype.HasExt as GoFunc).min = 0;
(FileInfo.prototype.HasExt as GoFunc).max = Infinity;

export interface Listing {
  /** path.Clean of the escaped request path, as Caddy's urlPath. */
  path: string;
  items: readonly Entry[];
  numDirs: number;
  numFiles: number;
  totalFileSize: number;
  totalFileSizeFollowingSymlinks: number;
  sort: string;
  order: string;
  limit: number;
  offset: number;
  layout: string;
}

/** Caddy's templateContext: TemplateContext and browseTemplateContext embedded side by side. */
class BrowseTemplateContext extends TemplateContext {
  Name: string;
  Path: string;
  CanGoUp: boolean;
  Items: FileInfo[];
  Offset: number;
  Limit: number;
  NumDirs: number;
  NumFiles: number;
  TotalFileSize: number;
  TotalFileSizeFollowingSymlinks: number;
  Sort: string;
  Order: string;
  Layout: string;

  constructor(run: RunState, l: Listing) {
    super(run);
    // Go's type name in error messages (the base class names itself).
    (this as unknown as Record<symbol, string>)[GO_TYPE] = '*fileserver.templateContext';
    this.Name = base(pathUnescape(l.path) ?? l.path);
    this.Path = l.path;
    this.CanGoUp = l.path.length > 1;
    this.Items = l.items.map((e) => new FileInfo(e, this));
    this.Offset = l.offset;
    this.Limit = l.limit;
    this.NumDirs = l.numDirs;
    this.NumFiles = l.numFiles;
    this.TotalFileSize = l.totalFileSize;
    this.TotalFileSizeFollowingSymlinks = l.totalFileSizeFollowingSymlinks;
    this.Sort = l.sort;
    this.Order = l.order;
    this.Layout = l.layout;
  }

  Breadcrumbs(): Crumb[] {
    if (this.Path.length === 0) return [];
    const lpath = this.Path.endsWith('/') ? this.Path.slice(0, -1) : this.Path;
    const parts = lpath.split('/');
    return parts.map((p, i) => {
      const text = i === 0 && p === '' ? '/' : p;
      return new Crumb('../'.repeat(parts.length - i - 1), pathUnescape(text) ?? '');
    });
  }
  HumanTotalFileSize(): string {
    return humanSize(this.TotalFileSize);
  }
  HumanTotalFileSizeFollowingSymlinks(): string {
    return humanSize(this.TotalFileSizeFollowingSymlinks);
  }
}

/** Reads, parses and runs the template file over the listing; the page, or a 500 with Caddy's message. */
export async function renderTemplateFile(ctx: Ctx, file: string, root: string, listing: Listing): Promise<string> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (err) {
    const e = err as NodeJS.ErrnoException;
    const why = e.code === 'ENOENT' ? 'no such file or directory' : e.code === 'EACCES' ? 'permission denied' : e.message;
    throw new HandlerError(500, `parsing browse template: parsing browse template file: open ${file}: ${why}`, err);
  }
  const name = base(file);
  const includes = new Map<string, IncludedResponse>();
  const run: RunState = {
    ctx,
    w: ctx.w,
    fs: new RootFS(root),
    delimiters: null,
    includes,
    pending: new Map(),
    // No template-function plugins exist, and Caddy only logs the ones `maybe` cannot find.
    warn: () => {},
  };
  for (;;) {
    let error: unknown = null;
    let out = '';
    try {
      out = new BrowseTemplateContext(run, listing).execute(name, text);
    } catch (err) {
      error = err;
    }
    if (run.pending.size === 0) {
      if (error === null) return out;
      // httpError's status, wherever in the causes it is (Go's errors.As).
      for (let e: unknown = error, i = 0; e !== undefined && e !== null && i < 20; i++, e = (e as { cause?: unknown }).cause) {
        if (e instanceof HandlerError) throw e;
      }
      throw new HandlerError(500, error instanceof Error ? error.message : String(error), error);
    }
    // httpInclude responses not fetched yet: fetch them, run again (as the templates handler does).
    if (includes.size + run.pending.size > MAX_INCLUDES) {
      throw new HandlerError(500, `template: ${name}: more than ${MAX_INCLUDES} httpInclude requests in one response`);
    }
    const batch = [...run.pending];
    run.pending.clear();
    const got = await Promise.all(batch.map(([uri, depth]) => fetchInclude(ctx, uri, depth)));
    batch.forEach(([uri], i) => includes.set(uri, got[i]!));
  }
}
