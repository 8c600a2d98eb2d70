/**
 * The request sent upstream, built once per proxied request (Caddy's
 * prepareRequest) and copied per attempt: the client's headers minus the
 * hop-by-hop ones, the Upgrade pair again for an upgrade, X-Forwarded-*,
 * Host unchanged, and the method/URI after `rewrite`.
 */
import { requestURI } from '../../go/url.js';
import { requestHostport } from '../../core/placeholders/request.js';
import { compileTemplate, type Replacer, type Template } from '../../core/replacer.js';
import { compileRewrite, type RewriteTarget } from '../rewrite/handler.js';
import type { ProxyRewrite } from './config.js';
import type { Ctx } from '../../core/types.js';
import { setForwardedHeaders } from './forwarded.js';
import { HeaderMap } from './header_map.js';
import { removeHopHeaders, upgradeType } from './hop.js';

export interface PreparedRequest {
  method: string;
  path: string;
  headers: HeaderMap;
  /** The Upgrade protocol ('websocket'), or ''. */
  upgrade: string;
  /** Whether the client sends a body (a retry after a non-dial error is then unsafe). */
  hasBody: boolean;
}

export interface RewriteConfig {
  method: Template | null;
  uri: Template | null;
  /** `method GET|HEAD` (forward_auth's): a request it changes goes without its body, which later handlers can still read. */
  dropsBody: boolean;
  /** strip_path_prefix / _suffix, uri_substring, path_regexp, query: the rewrite module's code, on a copy of the request's fields. */
  full: ((t: RewriteTarget, repl: Replacer) => void) | null;
}

/** The decoded `rewrite` (method, uri; '' when unset), compiled once. */
export function compileProxyRewrite(cfg: ProxyRewrite): RewriteConfig {
  return {
    full: cfg.full === null ? null : compileRewrite(cfg.full),
    method: cfg.method !== '' ? compileTemplate(cfg.method, 'empty') : null,
    uri: cfg.uri !== '' ? compileTemplate(cfg.uri, 'empty') : null,
    dropsBody: cfg.method === 'GET' || cfg.method === 'HEAD',
  };
}

/** Headers Node would otherwise derive on its own and that Caddy passes as the client sent them. */
export function prepareRequest(ctx: Ctx, rewrite: RewriteConfig, trusted: boolean): PreparedRequest {
  const { req } = ctx;
  const h = HeaderMap.fromRaw(req.rawHeaders);
  // Rewrites and header handlers earlier in the route changed ctx.req's parsed
  // views, not rawHeaders: take the current values from headersDistinct.
  const distinct = req.headersDistinct;
  for (const name of h.names()) if (distinct[name] === undefined) h.del(name);
  for (const [name, values] of Object.entries(distinct)) if (values !== undefined) h.set(name, values);

  const upgrade = upgradeType(h.get('connection'), h.get('upgrade'));
  const teTrailers = (h.get('te') ?? []).some((v) => v.split(',').some((t) => t.trim().toLowerCase() === 'trailers'));
  removeHopHeaders(h);
  if (teTrailers) h.set('Te', ['trailers']);
  if (upgrade !== '') {
    h.set('Connection', ['Upgrade']);
    h.set('Upgrade', [upgrade]);
  }
  const host = requestHostport(ctx);
  // Without a Host (HTTP/1.0), the attempt names the upstream instead, as Go's transport does.
  if (host !== '') h.set('Host', [host]);
  else h.del('host');
  setForwardedHeaders(h, ctx, trusted, host);
  const { method, path } = requestTarget(ctx, rewrite);

  const te = req.headers['transfer-encoding'];
  const cl = req.headers['content-length'];
  let hasBody = te !== undefined || (cl !== undefined && cl !== '0');
  // Caddy's prepareRequest: a rewrite to GET or HEAD that changed the request sends no body (nor its length).
  if (hasBody && rewrite.dropsBody && (method !== ctx.method || path !== requestURI(ctx.path, ctx.rawPath, ctx.query))) {
    hasBody = false;
    h.del('content-length');
  }
  return { method, path, headers: h, upgrade, hasBody };
}

/** The method and request-target sent upstream: the request's, after `rewrite`. */
export function requestTarget(ctx: Ctx, rewrite: RewriteConfig): { method: string; path: string } {
  if (rewrite.full !== null) {
    const t: RewriteTarget = { method: ctx.method, path: ctx.path, rawPath: ctx.rawPath ?? '', query: ctx.query };
    rewrite.full(t, ctx.repl);
    return { method: t.method, path: requestURI(t.path, t.rawPath, t.query) };
  }
  let method = ctx.method;
  let path = requestURI(ctx.path, ctx.rawPath, ctx.query);
  if (rewrite.method !== null) method = rewrite.method(ctx.repl).toUpperCase();
  if (rewrite.uri !== null) {
    const uri = rewrite.uri(ctx.repl);
    const q = uri.indexOf('?');
    const p = q < 0 ? uri : uri.slice(0, q);
    const cur = path.indexOf('?');
    const curPath = cur < 0 ? path : path.slice(0, cur);
    const curQuery = cur < 0 ? '' : path.slice(cur + 1);
    const query = q < 0 ? curQuery : uri.slice(q + 1);
    path = (p === '' ? curPath : p) + (query !== '' ? `?${query}` : '');
  }
  return { method, path };
}
