/**
 * X-Forwarded-For / -Proto / -Host as Caddy's addForwardedHeaders sets them:
 * what a client sent is kept (XFF appended to, Proto and Host passed on) only
 * when the peer is a trusted proxy; otherwise it is replaced, so a client
 * cannot forge its address or scheme to the backend.
 */
import type { Ctx } from '../../core/types.js';
import type { HeaderMap } from './header_map.js';
import { requestVia } from './via.js';

export function setForwardedHeaders(h: HeaderMap, ctx: Ctx, trusted: boolean, host: string): void {
  let xff = ctx.remoteIP;
  const prior = h.get('x-forwarded-for');
  if (trusted && prior !== undefined) xff = `${prior.join(', ')}, ${xff}`;
  h.set('X-Forwarded-For', [xff]);

  const xfp = h.first('x-forwarded-proto');
  h.set('X-Forwarded-Proto', [trusted && xfp ? xfp : ctx.scheme]);

  const xfh = h.first('x-forwarded-host');
  h.set('X-Forwarded-Host', [trusted && xfh ? xfh : host]);
  h.add('Via', requestVia(ctx.proto));
}
