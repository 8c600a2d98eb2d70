/**
 * The Cache-Status response header (RFC 9211) in cache-handler's words,
 * and nginx's X-Cache-Status beside it when asked for.
 */
import type { ResponseWriter } from '../../core/response.js';

export type NginxStatus = 'HIT' | 'MISS' | 'BYPASS' | 'EXPIRED' | 'STALE' | 'UPDATING' | 'REVALIDATED';

export interface StatusOptions {
  name: string;
  hideKey: boolean;
  xCacheStatus: boolean;
}

/** `params` are RFC 9211's (hit, fwd=..., fwd-status, stored, collapsed, ttl, detail); the key is added unless hidden. */
export function setCacheStatus(w: ResponseWriter, o: StatusOptions, params: string, key: string, nginx: NginxStatus, detail?: string): void {
  if (w.headersSent) return;
  let v = `${o.name}; ${params}`;
  if (!o.hideKey && key !== '') v += `; key=${key}`;
  if (detail !== undefined) v += `; detail=${detail}`;
  w.setHeader('Cache-Status', v);
  if (o.xCacheStatus) w.setHeader('X-Cache-Status', nginx);
}
