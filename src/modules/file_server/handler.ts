/**
 * file_server (Caddy's modules/caddyhttp/fileserver/staticfiles.go): serves
 * the file the request path names under the root.
 *
 *   root (placeholders; default {http.vars.root}, else the working directory)
 *   → sanitized join → real path, which must stay inside the real root
 *   → directory: first index file, else browse, else 404
 *   → hide list → canonical trailing-slash redirect → GET/HEAD only
 *   → precompressed sidecar the client accepts → ETag, Content-Type
 *   → ServeContent (conditionals, ranges, streaming)
 *
 * The config is checked by config.ts and compiled here, once.
 */
import { realpathSync } from 'node:fs';
import { open } from 'node:fs/promises';
import { base } from '../../go/path.js';
import { errorStatus } from '../../core/errors.js';
import { handlerModule } from '../../core/registry.js';
import { compileTemplate, type Replacer, type Template } from '../../core/replacer.js';
import { type Ctx, type Handler, HandlerError, type Next } from '../../core/types.js';
import { serveBrowse } from './browse.js';
import { decodeFileServer, type FileServer } from './config.js';
import { calculateEtag, usefulMtime } from './conditional.js';
import { acceptedEncodings } from './encodings.js';
import { typeByExtension } from './mime.js';
import { closeQuietly, FileOpener, type OpenedFile } from './open.js';
import { absPath, errCode, fileHidden, normalizeHide, realInside, sanitizedPathJoin } from './paths.js';
import { redirect } from './redirect.js';
import { serveContent } from './serve_content.js';

/** A placeholder string, or a constant when it has no placeholders (the common case costs nothing per request). */
function compile(s: string): Template {
  return s.includes('{') ? compileTemplate(s, 'empty') : () => s;
}

/** Static hide entries, ready for comparison: absolute, plus their real path when a symlink leads elsewhere. */
function staticHide(entry: string): string[] {
  const n = normalizeHide(entry);
  if (!n.includes('/')) return [n];
  try {
    const real = realpathSync(n);
    return real === n ? [n] : [n, real];
  } catch {
    return [n];
  }
}

/** An fs error as the status Caddy answers with (openFile / mapDirOpenError). */
function fsError(err: unknown): HandlerError {
  const code = errCode(err);
  const msg = err instanceof Error ? err.message : String(err);
  switch (code) {
    case 'ENOENT':
    case 'ENOTDIR':
      return new HandlerError(404, msg, err);
    case 'EACCES':
    case 'EPERM':
      return new HandlerError(403, msg, err);
    case 'ENAMETOOLONG':
    case 'ELOOP':
    case 'EINVAL':
      return new HandlerError(400, msg, err);
    case 'EMFILE':
    case 'ENFILE':
      // Out of descriptors under load: tell the client when to come back (Caddy: 2-5 s, random, to spread a stampede).
      return new HandlerError(503, msg, err);
    default:
      return new HandlerError(500, msg, err);
  }
}

/** Real paths of roots seen recently (bounded: roots with placeholders could be many). */
const realRoots = new Map<string, string>();
async function resolveRoot(root: string): Promise<string> {
  // One native call, synchronous: cheaper than a thread-pool round trip, and
  // it runs on every 404 (a miss re-checks the root before refusing).
  const real = realpathSync.native(root);
  if (realRoots.size >= 256) realRoots.clear();
  realRoots.set(root, real);
  return real;
}

function provision(config: FileServer): Handler {
  const rootTpl = compile(config.root || '{http.vars.root}');

  const hideList = config.hide;
  const hideStatic = hideList.filter((h) => !h.includes('{')).flatMap(staticHide);
  const hideDynamic = hideList.filter((h) => h.includes('{')).map((h) => compileTemplate(h, 'empty'));
  const hideFor = (repl: Replacer): string[] =>
    hideDynamic.length === 0 ? hideStatic : [...hideStatic, ...hideDynamic.map((t) => normalizeHide(t(repl)))];

  const indexNames = config.indexNames.map(compile);
  const { browse, canonical, passThru, status, etagExts, precompressed: offered, precompressedOrder: order } = config;

  const opener = new FileOpener();

  const notFound = (next: Next): Promise<void> => {
    if (passThru) return next();
    throw new HandlerError(404, 'not found');
  };

  return async (ctx, next) => {
    const { repl, w } = ctx;
    const hide = hideFor(repl);
    const root = rootTpl(repl) || '.';

    // A NUL can never name a file; Go's stat refuses it as an invalid path (400 in current Caddy).
    if (ctx.path.includes('\0')) throw new HandlerError(400, 'invalid path: contains a NUL byte');
    const filename = sanitizedPathJoin(root, ctx.path);

    let realRoot: string;
    let file: OpenedFile | null;
    try {
      // The root's real path is remembered; when a file seems to lie outside
      // it, the root is resolved afresh first (a deploy may have swapped a
      // `current -> release-N` symlink), so the cache never refuses wrongly.
      const cached = realRoots.get(root);
      realRoot = cached ?? (await resolveRoot(root));
      file = opener.open(filename, realRoot);
      if (file === null && cached !== undefined) {
        realRoot = await resolveRoot(root);
        if (realRoot !== cached) file = opener.open(filename, realRoot);
      }
    } catch (err) {
      const e = fsError(err);
      if (e.status === 404) return notFound(next);
      if (e.status === 503) w.setHeader('Retry-After', String(2 + Math.floor(Math.random() * 3)));
      throw e;
    }
    if (file === null) return notFound(next);

    // Every descriptor opened here is closed in the finally, except the one
    // handed to serveContent, which closes it itself (maybe after streaming).
    const open = new Set<number>();
    if (file.fd >= 0) open.add(file.fd);
    const openFile = (p: string): OpenedFile | null => {
      const f = opener.open(p, realRoot);
      if (f !== null && f.fd >= 0) open.add(f.fd);
      return f;
    };
    try {
      const real = file.real;
      // A directory: serve its first index file, if one exists and is not hidden.
      let served = filename;
      let servedReal = real;
      let implicitIndex = false;
      if (file.st.isDirectory()) {
        for (const tpl of indexNames) {
          const indexPath = sanitizedPathJoin(filename, tpl(repl));
          if (fileHidden(indexPath, hide)) continue;
          try {
            const candidate = openFile(indexPath);
            // A directory named like an index file is not one.
            if (candidate === null || !candidate.st.isFile()) continue;
            file = candidate;
            served = indexPath;
            servedReal = candidate.real;
            implicitIndex = true;
            break;
          } catch {
            continue;
          }
        }
      }
      if (file.st.isDirectory()) {
        if (browse !== null && !fileHidden(filename, hide) && !fileHidden(real, hide)) {
          return await serveBrowse(ctx, browse, { realDir: real, realRoot, dirFilename: absPath(filename), hide });
        }
        return await notFound(next);
      }
      // FIFOs, sockets and devices are not content: reading one could block forever.
      if (!file.st.isFile()) return await notFound(next);
      if (fileHidden(served, hide) || fileHidden(servedReal, hide)) return await notFound(next);

      // Canonical URIs: directories end in a slash, files do not. Only when a
      // rewrite left the file name alone (no redirect loops); from the URL the client sent.
      if (canonical && base(ctx.origPath) === base(ctx.path)) {
        const orig = ctx.origPath;
        if (implicitIndex && !orig.endsWith('/')) return redirect(ctx, `${orig}/`);
        if (!implicitIndex && orig.endsWith('/')) return redirect(ctx, orig.slice(0, -1));
      }

      // Static files answer GET and HEAD only; in an error route, the error page is served whatever the method.
      if (ctx.method !== 'GET' && ctx.method !== 'HEAD' && !ctx.error) {
        w.setHeader('Allow', 'GET, HEAD');
        throw new HandlerError(405, `method ${ctx.method} not allowed for a static file`);
      }

      const mtime = usefulMtime(file.st.mtimeMs);
      let etag = typeof w.getHeader('ETag') === 'string' ? (w.getHeader('ETag') as string) : '';
      let body = file;

      if (offered.size > 0) {
        // Caches must know the answer depends on Accept-Encoding, whichever variant this one is.
        addVary(ctx, 'Accept-Encoding');
        const header = ctx.req.headers['accept-encoding'];
        for (const ae of acceptedEncodings(Array.isArray(header) ? header.join(',') : header, order)) {
          const suffix = offered.get(ae);
          if (suffix === undefined) continue;
          try {
            const side = openFile(served + suffix);
            if (side === null || !side.st.isFile()) continue;
            body = side;
            w.setHeader('Content-Encoding', ae);
            if (etag === '' && etagExts.length > 0) etag = await etagFromFile(served + suffix, etagExts, realRoot);
            if (etag === '') etag = calculateEtag(usefulMtime(side.st.mtimeMs), side.st.size);
            break;
          } catch {
            continue;
          }
        }
      }
      if (body === file) {
        if (etag === '' && etagExts.length > 0) etag = await etagFromFile(served, etagExts, realRoot);
        if (etag === '') etag = calculateEtag(mtime, file.st.size);
      }
      if (etag !== '') w.setHeader('ETag', etag);

      if (!w.hasHeader('Content-Type')) {
        const type = typeByExtension(served);
        if (type !== '') w.setHeader('Content-Type', type);
      }

      // In an error route the page carries the error's status; status_code overrides both.
      let override = ctx.error ? errorStatus(ctx.error) : 0;
      if (status !== null) override = status(repl);

      open.delete(body.fd);
      await serveContent(ctx, { fd: body.fd, body: body.body, close: closeQuietly, size: body.st.size, mtime, statusOverride: override });
    } finally {
      for (const fd of open) closeQuietly(fd);
    }
  };
}

export const fileServerHandler = handlerModule('file_server', { decode: decodeFileServer, provision });

function addVary(ctx: Ctx, field: string): void {
  const prev = ctx.w.getHeader('Vary');
  const list = prev === undefined ? [] : Array.isArray(prev) ? prev : [String(prev)];
  if (list.some((v) => v.split(',').some((f) => f.trim().toLowerCase() === field.toLowerCase()))) return;
  ctx.w.setHeader('Vary', [...list, field]);
}

/** etag_file_extensions: the ETag stored next to the file (first sidecar that exists), newlines removed. */
async function etagFromFile(filename: string, exts: readonly string[], realRoot: string): Promise<string> {
  for (const ext of exts) {
    const r = await realInside(filename + ext, realRoot).catch(() => null);
    if (r === null) continue;
    try {
      // An ETag is a short string; a huge sidecar is a mistake, not something to load.
      const fh = await open(r, 'r');
      try {
        const buf = Buffer.alloc(1024);
        const { bytesRead } = await fh.read(buf, 0, buf.length, 0);
        return buf.subarray(0, bytesRead).toString('utf8').replaceAll('\n', '');
      } finally {
        await fh.close();
      }
    } catch (err) {
      if (errCode(err) === 'ENOENT') continue;
      throw new HandlerError(500, `cannot read etag from file ${filename + ext}: ${(err as Error).message}`, err);
    }
  }
  return '';
}

