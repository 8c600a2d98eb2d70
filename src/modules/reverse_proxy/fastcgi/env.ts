/**
 * The CGI/1.1 environment sent as FastCGI PARAMS, built as Caddy's
 * fastcgi.Transport.buildEnv does: the script split from PATH_INFO at the
 * first split_path match (case-insensitive), else PATH_INFO from the file
 * matcher's remainder; SCRIPT_FILENAME under the root (placeholders, made
 * absolute, symlinks resolved on request); REQUEST_URI as the client sent
 * it; then the `env` option (placeholders), then one HTTP_* per request
 * header after header_up (Proxy skipped: httpoxy).
 */
import { realpathSync } from 'node:fs';
import { resolve } from 'node:path';
import type { TLSSocket } from 'node:tls';
import { getString, compileTemplate, type Template } from '../../../core/replacer.js';
import type { Ctx } from '../../../core/types.js';
import { clean } from '../../../go/path.js';
import { pathUnescape } from '../../../go/url.js';
import type { HeaderMap } from '../header_map.js';
import type { FastCGISettings } from './config.js';

/** caddyhttp.SanitizedPathJoin: never above root, a trailing slash kept. */
function sanitizedPathJoin(root: string, reqPath: string): string {
  if (root === '') root = '.';
  const rel = clean('/' + reqPath);
  let joined = clean(rel === '/' ? root : root + rel);
  if (reqPath.length > 1 && reqPath.endsWith('/') && !joined.endsWith('/')) joined += '/';
  return joined;
}

/** Caddy's splitPos: the end of the first split match (ASCII case-folded), 0 without split_path, -1 for none. */
export function splitPos(splits: readonly string[], path: string): number {
  if (splits.length === 0) return 0;
  const lower = path.replace(/[A-Z]+/g, (s) => s.toLowerCase());
  for (const split of splits) {
    if (split === '' || split.length > path.length) continue;
    const i = lower.indexOf(split);
    if (i >= 0) return i + split.length;
  }
  return -1;
}

export interface EnvBuilder {
  /** The params for one request; `path`/`query` are the request's after rewrites, as it goes upstream. */
  build(ctx: Ctx, path: string, query: string, headers: HeaderMap): Map<string, string>;
}

export function compileEnv(cfg: FastCGISettings): EnvBuilder {
  const root = compileTemplate(cfg.root, 'empty');
  const extra: Array<[string, Template]> = cfg.env.map(([k, v]) => [k, compileTemplate(v, 'empty')]);
  const splits = cfg.splitPath;

  return {
    build(ctx, path, query, headers) {
      const { repl } = ctx;
      let docRoot = resolve(root(repl) || '.');
      // Resolved per request because the root may hold placeholders; a missing root fails the request (Caddy: EvalSymlinks' error).
      if (cfg.resolveRootSymlink) docRoot = realpathSync(docRoot);

      let scriptName = path;
      let docURI = path;
      let pathInfo = '';
      const pos = splitPos(splits, path);
      if (pos > -1) {
        docURI = path.slice(0, pos);
        pathInfo = path.slice(pos);
        scriptName = path.slice(0, path.length - pathInfo.length);
      }
      if (pathInfo === '') pathInfo = getString(repl, 'http.matchers.file.remainder')[0];
      const scriptFilename = sanitizedPathJoin(docRoot, scriptName);
      if (scriptName !== '' && !scriptName.startsWith('/')) scriptName = '/' + scriptName;

      const host = headers.first('host') ?? ctx.hostport;
      const [serverName, serverPort] = splitHostPort(host);
      const tls = ctx.scheme === 'https' ? (ctx.req.socket as TLSSocket) : null;

      const env = new Map<string, string>([
        ['AUTH_TYPE', ''],
        ['CONTENT_LENGTH', headers.first('content-length') ?? ''],
        ['CONTENT_TYPE', headers.first('content-type') ?? ''],
        ['GATEWAY_INTERFACE', 'CGI/1.1'],
        ['PATH_INFO', pathInfo],
        ['QUERY_STRING', query],
        ['REMOTE_ADDR', ctx.remoteIP],
        ['REMOTE_HOST', ctx.remoteIP],
        ['REMOTE_PORT', String(ctx.remotePort)],
        ['REMOTE_IDENT', ''],
        ['REMOTE_USER', getString(repl, 'http.auth.user.id')[0]],
        ['REQUEST_METHOD', ctx.method],
        ['REQUEST_SCHEME', ctx.scheme],
        ['SERVER_NAME', serverName],
        ['SERVER_PROTOCOL', ctx.proto],
        ['SERVER_SOFTWARE', 'tsweb'],
        ['DOCUMENT_ROOT', docRoot],
        ['DOCUMENT_URI', docURI],
        ['HTTP_HOST', host],
        ['REQUEST_URI', ctx.origURI],
        ['SCRIPT_FILENAME', scriptFilename],
        ['SCRIPT_NAME', scriptName],
      ]);
      const local = ctx.req.socket?.localAddress;
      if (local !== undefined) env.set('SERVER_ADDR', local.startsWith('::ffff:') ? local.slice(7) : local);
      if (pathInfo !== '') env.set('PATH_TRANSLATED', sanitizedPathJoin(docRoot, pathInfo));
      env.set('SERVER_PORT', serverPort !== '' ? serverPort : ctx.scheme === 'https' ? '443' : '80');
      if (tls !== null) {
        env.set('HTTPS', 'on');
        const proto = tls.getProtocol?.();
        if (proto) env.set('SSL_PROTOCOL', proto);
        const cipher = tls.getCipher?.();
        if (cipher?.standardName) env.set('SSL_CIPHER', cipher.standardName);
      }
      for (const [k, t] of extra) env.set(k, t(repl));
      for (const [name, values] of headers.entries()) {
        const key = name.toUpperCase();
        if (key === 'PROXY') continue;
        env.set('HTTP_' + key.replaceAll('-', '_'), values.join(', '));
      }
      return env;
    },
  };
}

/** net.SplitHostPort, falling back to the whole value as the host. */
function splitHostPort(hostport: string): [string, string] {
  if (hostport.startsWith('[')) {
    const end = hostport.indexOf(']');
    if (end > 0 && (end === hostport.length - 1 || hostport[end + 1] === ':')) {
      return end === hostport.length - 1 ? [hostport, ''] : [hostport.slice(1, end), hostport.slice(end + 2)];
    }
    return [hostport, ''];
  }
  const colon = hostport.lastIndexOf(':');
  if (colon < 0 || hostport.indexOf(':') !== colon) return [hostport, ''];
  return [hostport.slice(0, colon), hostport.slice(colon + 1)];
}

/** The upstream request target split into Go's r.URL.Path (decoded) and RawQuery. */
export function splitTarget(target: string): [string, string] {
  const q = target.indexOf('?');
  const raw = q < 0 ? target : target.slice(0, q);
  return [pathUnescape(raw) ?? raw, q < 0 ? '' : target.slice(q + 1)];
}
