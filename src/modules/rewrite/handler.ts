/**
 * rewrite (Caddy's rewrite.Rewrite; the `rewrite`, `uri` and `method`
 * directives, and what `handle_path` strips with): changes the request's
 * method, path and query for the handlers after it; {http.request.orig_*}
 * keep what the client sent. In Caddy's order: method, uri, strip prefix,
 * strip suffix, substring replacements, regexp replacements, query ops.
 *
 * `uri` sets only the parts it has: "/new" keeps the query, "?a=b" keeps
 * the path, "?" clears the query. A query that arrives through a
 * placeholder in the path part replaces the query only when the configured
 * URI has none (or force_modify_query), with its braces escaped so request
 * data cannot inject placeholders.
 */
import { cleanPath } from '../../go/path.js';
import { escapedPath, pathEscape, pathUnescape } from '../../go/url.js';
import { handlerModule } from '../../core/registry.js';
import { compileTemplate, type Replacer, type Template } from '../../core/replacer.js';
import type { Ctx, Handler } from '../../core/types.js';
import { compileExpansion, type GoRegexp, goStringsReplace, replaceAll, replaceAllExpanded } from '../../go/replace.js';
import { decodeRewrite, type Rewrite } from './config.js';
import { canonicalizePath, changePath, type PathState, trimPathPrefix, trimPathSuffix } from './path.js';
import { buildQueryString, compileQueryOps, compileQueryString } from './query.js';

const PATH_KEY = '{http.request.uri.path}';
const FILE_KEY = '{http.matchers.file.relative}';

type PathPiece = { kind: 'tpl'; tpl: Template } | { kind: 'path' } | { kind: 'file' };

/**
 * The path part of `uri`, compiled: {http.request.uri.path} and
 * {http.matchers.file.relative} are written in escaped form (so a '?' or
 * '%' in the request path cannot end the path), everything else with
 * ReplaceAll.
 */
function compileUriPath(path: string): (ctx: RewriteTarget, repl: Replacer) => string {
  const pieces: PathPiece[] = [];
  const fileTemplate = compileTemplate(FILE_KEY, 'empty');
  let rest = path;
  while (rest !== '') {
    const i = rest.indexOf(PATH_KEY);
    const j = rest.indexOf(FILE_KEY);
    const at = i < 0 ? j : j < 0 ? i : Math.min(i, j);
    if (at < 0) {
      pieces.push({ kind: 'tpl', tpl: compileTemplate(rest, 'empty') });
      break;
    }
    if (at > 0) pieces.push({ kind: 'tpl', tpl: compileTemplate(rest.slice(0, at), 'empty') });
    const isPath = at === i;
    pieces.push({ kind: isPath ? 'path' : 'file' });
    rest = rest.slice(at + (isPath ? PATH_KEY : FILE_KEY).length);
  }
  return (ctx, repl) => {
    let out = '';
    for (const p of pieces) {
      if (p.kind === 'tpl') out += p.tpl(repl);
      else if (p.kind === 'path') out += escapedPath(ctx.path, ctx.rawPath);
      else {
        const v = repl.get('http.matchers.file.relative');
        out += typeof v === 'string' ? pathEscape(v).replaceAll('%2F', '/') : fileTemplate(repl);
      }
    }
    return out;
  };
}

interface UriRewrite {
  pathStart: boolean;
  qsStart: boolean;
  path: ((ctx: RewriteTarget, repl: Replacer) => string) | null;
  query: ReturnType<typeof compileQueryString> | null;
  rawQuery: string;
}

/** Splits the configured URI into path, query and fragment the way Caddy scans it (before placeholders). */
function compileUri(uri: string): UriRewrite {
  let pathStart = -1;
  let qsStart = -1;
  let fragStart = -1;
  let pathEnd = -1;
  let qsEnd = -1;
  for (let i = 0; i < uri.length; i++) {
    const ch = uri[i];
    if (ch === '?' && qsStart < 0) {
      pathEnd = i;
      qsStart = i + 1;
    } else if (ch === '#' && fragStart < 0) {
      if (qsStart < 0) pathEnd = i;
      else qsEnd = i;
      fragStart = i + 1;
      break;
    } else if (pathStart < 0 && qsStart < 0) {
      pathStart = i;
    }
  }
  if (pathStart >= 0 && pathEnd < 0) pathEnd = uri.length;
  if (qsStart >= 0 && qsEnd < 0) qsEnd = uri.length;
  const path = pathStart >= 0 ? uri.slice(pathStart, pathEnd) : '';
  const query = qsStart >= 0 ? uri.slice(qsStart, qsEnd) : '';
  return {
    pathStart: pathStart >= 0,
    qsStart: qsStart >= 0,
    path: path !== '' ? compileUriPath(path) : null,
    query: query !== '' ? compileQueryString(query) : null,
    rawQuery: query,
  };
}

interface Substring {
  find: Template;
  replace: Template;
  limit: number;
  mergeSlashes: boolean;
}

interface RegexpRep {
  re: GoRegexp;
  replace: Template;
  fixed: ReturnType<typeof compileExpansion> | null;
}

function provision(config: Rewrite): Handler {
  const rewrite = compileRewrite(config);
  return (ctx, next) => {
    rewrite(ctx, ctx.repl);
    return next();
  };
}

/** The request fields a rewrite changes: the request's own, or reverse_proxy's copy for its upstream request. */
export type RewriteTarget = Pick<Ctx, 'method' | 'path' | 'rawPath' | 'query'>;

/** The rewrite, compiled once; reverse_proxy's `rewrite` (a rewrite.Rewrite in Caddy) runs the same code. */
export function compileRewrite(config: Rewrite): (ctx: RewriteTarget, repl: Replacer) => void {
  const method = config.method !== '' ? compileTemplate(config.method, 'empty') : null;
  const uri = config.uri !== '' ? compileUri(config.uri) : null;
  const force = config.forceModifyQuery;
  const prefix = config.stripPathPrefix !== '' ? compileTemplate(config.stripPathPrefix, 'empty') : null;
  const suffix = config.stripPathSuffix !== '' ? compileTemplate(config.stripPathSuffix, 'empty') : null;
  const substrings: Substring[] = config.uriSubstring.map((s) => ({
    find: compileTemplate(s.find, 'empty'),
    replace: compileTemplate(s.replace, 'empty'),
    limit: s.limit,
    mergeSlashes: !s.find.includes('//'),
  }));
  const regexps: RegexpRep[] = config.pathRegexp.map(({ re, replace }) => ({
    re,
    replace: compileTemplate(replace, 'empty'),
    fixed: replace.includes('{') || replace.includes('}') ? null : compileExpansion(replace, re),
  }));
  const queryOps = compileQueryOps(config.query);
  return rewrite;

  function rewrite(ctx: RewriteTarget, repl: Replacer): void {
    if (method !== null) ctx.method = method(repl).toUpperCase();

    const st: PathState = { path: ctx.path, rawPath: ctx.rawPath ?? '' };
    let query = ctx.query;

    if (uri !== null) {
      let newPath = '';
      let qs = uri.query;
      let qsStart = uri.qsStart;
      let injected = false;
      if (uri.path !== null) newPath = uri.path(ctx, repl);
      // A fragment never reaches a server; one that came in through a placeholder is dropped.
      const hash = newPath.indexOf('#');
      if (hash >= 0) newPath = newPath.slice(0, hash);
      const q = newPath.indexOf('?');
      if (q >= 0) {
        let injectedQuery = newPath.slice(q + 1);
        newPath = newPath.slice(0, q);
        if (uri.rawQuery === '' || force) {
          injectedQuery = injectedQuery.replaceAll('{', '%7B').replaceAll('}', '%7D');
          qs = injectedQuery === '' ? null : compileQueryString(injectedQuery, false);
          injected = true;
        }
        if (force) qsStart = true;
      }
      const newQuery = qs !== null ? buildQueryString(qs, repl) : '';
      if (uri.pathStart) {
        st.path = pathUnescape(newPath) ?? newPath;
        st.rawPath = '';
      }
      if (qsStart || injected) query = newQuery;
    }

    if (prefix !== null) {
      let p = prefix(repl);
      if (!p.startsWith('/')) p = '/' + p;
      const merge = !p.includes('//');
      let stripped = false;
      changePath(st, (escaped) => {
        const cleaned = cleanPath(escaped, merge);
        const trimmed = trimPathPrefix(cleaned, p);
        stripped ||= trimmed !== cleaned;
        return trimmed;
      });
      if (stripped) canonicalizePath(st);
    }
    if (suffix !== null) {
      const s = suffix(repl);
      const merge = !s.includes('//');
      let stripped = false;
      changePath(st, (escaped) => {
        const cleaned = cleanPath(escaped, merge);
        const trimmed = trimPathSuffix(cleaned, s);
        stripped ||= trimmed !== cleaned;
        return trimmed;
      });
      if (stripped) canonicalizePath(st);
    }

    for (const rep of substrings) {
      const find = rep.find(repl);
      const replacement = rep.replace(repl);
      changePath(st, (p) => goStringsReplace(cleanPath(p, rep.mergeSlashes), find, replacement, rep.limit));
      query = goStringsReplace(query, find, replacement, rep.limit);
    }

    for (const rep of regexps) {
      if (rep.fixed !== null) {
        const fixed = rep.fixed;
        changePath(st, (p) => replaceAllExpanded(rep.re, p, fixed));
      } else {
        const replacement = rep.replace(repl);
        changePath(st, (p) => replaceAll(rep.re, p, replacement));
      }
    }

    if (queryOps !== null) query = queryOps(query, repl);

    ctx.path = st.path;
    ctx.rawPath = st.rawPath;
    ctx.query = query;
  }
}

export const rewriteHandler = handlerModule('rewrite', { decode: decodeRewrite, provision });
