/**
 * The file server's canonical-URI redirect (Caddy's redirect() helper and
 * Go's http.Redirect): 308, the query kept, and a tiny HTML body for GET.
 */
import { clean } from '../../go/path.js';
import { escape } from '../../go/url.js';
import { statusText } from '../../core/errors.js';
import type { Ctx } from '../../core/types.js';
import { escapeHTML } from './browse_html.js';

export function redirect(ctx: Ctx, toPath: string): void {
  const { w } = ctx;
  // path.Clean as http.Redirect applies it: "//evil.example/x" must not become a protocol-relative URL.
  const trailing = toPath.endsWith('/');
  let target = clean(toPath);
  if (trailing && !target.endsWith('/')) target += '/';
  // The path is decoded; the Location header needs it encoded again.
  let url = escape(target, 'path');
  // Caddy 2.6 dropped the query here; later versions keep it, and so do we.
  if (ctx.query !== '') url += `?${ctx.query}`;
  const code = 308;
  const hadCT = w.hasHeader('Content-Type');
  w.setHeader('Location', url);
  const getOrHead = ctx.method === 'GET' || ctx.method === 'HEAD';
  if (!hadCT && getOrHead) w.setHeader('Content-Type', 'text/html; charset=utf-8');
  w.statusCode = code;
  w.end(!hadCT && ctx.method === 'GET' ? `<a href="${escapeHTML(url)}">${statusText(code)}</a>.\n\n` : undefined);
}
