/**
 * Newer Caddy (2.8+, caddyserver/caddy#6275): the proxy names itself in Via
 * on both legs, and a proxied response carries the upstream's Server field
 * rather than a second one of the proxy's own. Caddy 2.6.2 sent neither Via
 * and answered with two Server fields.
 */
import type { ResponseWriter } from '../../core/response.js';

/** Before the upstream's fields are copied: `version` is the upstream response's ("1.1", "2.0"). */
export function markProxiedResponse(w: ResponseWriter, version: string): void {
  w.removeHeader('Server');
  w.appendHeader('Via', `${version} tsweb`);
}

/** The Via value for the upstream request: the client's HTTP version ("HTTP/1.1" → "1.1 tsweb"). */
export function requestVia(proto: string): string {
  return `${proto.startsWith('HTTP/') ? proto.slice(5) : proto} tsweb`;
}
