/**
 * The upstream request's header lines built in one pass over the client's
 * rawHeaders, as a flat [name, value, ...] list undici takes as is: the
 * same result as prepareRequest's HeaderMap (hop-by-hop fields and those
 * named by Connection dropped, `TE: trailers` kept, Host from the request,
 * X-Forwarded-* per the trust decision) without the per-field maps and
 * copies. Used when nothing earlier in the route changed the parsed headers
 * (Node then never built headersDistinct) and the request is no upgrade.
 */
import { IncomingMessage } from 'node:http';
import { requestHostport } from '../../core/placeholders/request.js';
import type { Ctx } from '../../core/types.js';
import { requestTarget, type RewriteConfig } from './request.js';
import { requestVia } from './via.js';

/** Node's private cache of headersDistinct: absent until something reads (and maybe changes) it. */
const kHeadersDistinct: symbol | undefined = (() => {
  const m = new IncomingMessage(null as never);
  const before = new Set(Object.getOwnPropertySymbols(m));
  void m.headersDistinct;
  return Object.getOwnPropertySymbols(m).find((s) => !before.has(s));
})();

/** Whether req.rawHeaders still say everything: no handler has read or changed the parsed views that matter. */
export function rawHeadersCurrent(req: IncomingMessage): boolean {
  if (req instanceof IncomingMessage) return kHeadersDistinct !== undefined && (req as unknown as Record<symbol, unknown>)[kHeadersDistinct] == null;
  // An HTTP/2 request (src/apps/http/h2_request.ts) is no IncomingMessage: it says itself whether its parsed views were built.
  return (req as { parsedViewsBuilt?: boolean }).parsedViewsBuilt === false;
}

// Lower-cased names the single pass treats specially; everything else is copied.
const SKIP = 1;
const TE = 2;
const XFF = 3;
const XFP = 4;
const XFH = 5;
const HOST = 6;
const CONNECTION = 7;
/** A body, an upgrade or Expect: the general path's business. */
const GENERAL = 8;
const CONTENT_LENGTH = 9;
const SPECIAL = new Map<string, number>([
  ['connection', CONNECTION],
  ['proxy-connection', SKIP],
  ['keep-alive', SKIP],
  ['proxy-authenticate', SKIP],
  ['proxy-authorization', SKIP],
  ['te', TE],
  ['trailer', SKIP],
  ['transfer-encoding', GENERAL],
  ['upgrade', GENERAL],
  ['expect', GENERAL],
  ['content-length', CONTENT_LENGTH],
  ['x-forwarded-for', XFF],
  ['x-forwarded-proto', XFP],
  ['x-forwarded-host', XFH],
  ['host', HOST],
]);

function listsToken(value: string, token: string): boolean {
  for (const t of value.split(',')) if (t.trim().toLowerCase() === token) return true;
  return false;
}

/** A request the fast path carries: no body, no upgrade, headers as received. */
export interface FastRequest {
  method: string;
  path: string;
  /** Header lines; Host first when the request named one (else the upstream's is put first per try). */
  lines: string[];
  readonly hasBody: false;
}

/**
 * The request for the fast path, or null when it needs the general one
 * (prepareRequest): a body, an upgrade, Expect, fields named by Connection,
 * or parsed headers a handler may have changed.
 */
export function fastRequest(ctx: Ctx, rewrite: RewriteConfig, trusted: boolean): FastRequest | null {
  if (!rawHeadersCurrent(ctx.req)) return null;
  const host = requestHostport(ctx);
  const raw = ctx.req.rawHeaders;
  const out: string[] = host !== '' ? ['Host', host] : [];
  let teTrailers = false;
  let xff = '';
  let xfp = '';
  let xfh = '';
  for (let i = 0; i < raw.length; i += 2) {
    const name = raw[i]!;
    const value = raw[i + 1]!;
    const kind = SPECIAL.get(name.length < 20 ? name.toLowerCase() : '');
    if (kind === undefined) {
      out.push(name, value);
      continue;
    }
    switch (kind) {
      case GENERAL:
        return null;
      case CONTENT_LENGTH:
        if (value !== '0') return null;
        out.push(name, value);
        break;
      case CONNECTION:
        for (const t of value.split(',')) {
          const n = t.trim().toLowerCase();
          if (n !== '' && n !== 'keep-alive' && n !== 'close') return null;
        }
        break;
      case TE:
        if (listsToken(value, 'trailers')) teTrailers = true;
        break;
      case XFF:
        if (trusted) xff = xff === '' ? value : `${xff}, ${value}`;
        break;
      case XFP:
        if (xfp === '') xfp = value;
        break;
      case XFH:
        if (xfh === '') xfh = value;
        break;
      default:
        break;
    }
  }
  if (teTrailers) out.push('Te', 'trailers');
  out.push('X-Forwarded-For', xff === '' ? ctx.remoteIP : `${xff}, ${ctx.remoteIP}`);
  out.push('X-Forwarded-Proto', trusted && xfp !== '' ? xfp : ctx.scheme);
  out.push('X-Forwarded-Host', trusted && xfh !== '' ? xfh : host);
  out.push('Via', requestVia(ctx.proto));
  const { method, path } = requestTarget(ctx, rewrite);
  return { method, path, lines: out, hasBody: false };
}
