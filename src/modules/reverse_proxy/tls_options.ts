/**
 * The upstream TLS settings as node:tls connect options, decided once per
 * upstream: both clients (transport.ts's Agents, transport_undici.ts's
 * connectors) and the dialer (dial.ts) take the same object.
 */
import { constants } from 'node:crypto';
import { isIP } from 'node:net';
import type { ConnectionOptions } from 'node:tls';
import type { TransportSettings } from './config_transport.js';
import type { UpstreamTLS } from './config_transport_tls.js';
import type { Upstream } from './upstreams.js';

/** The TLS settings for this upstream: none for a port in except_ports (Caddy speaks plain text to those). */
export function tlsFor(cfg: TransportSettings, u: Upstream): UpstreamTLS | null {
  const tls = cfg.tls;
  if (tls === null || tls.exceptPorts.length === 0) return tls;
  return tls.exceptPorts.includes(u.addr.port) ? null : tls;
}

/** node:tls options for a connection to `host` (the SNI name unless server_name says another, none for an IP). */
export function tlsConnectOptions(tls: UpstreamTLS, host: string): ConnectionOptions {
  const o: ConnectionOptions = { rejectUnauthorized: !tls.insecureSkipVerify };
  const servername = tls.serverName || (isIP(host) === 0 && host !== '' ? host : undefined);
  if (servername !== undefined) o.servername = servername;
  if (tls.ca !== null) o.ca = tls.ca;
  if (tls.cert !== null && tls.key !== null) {
    o.cert = tls.cert;
    o.key = tls.key;
  }
  if (tls.curves !== null) o.ecdhCurve = tls.curves;
  // Go refuses a server's renegotiation request unless told otherwise (renegotiation never, the default).
  if (!tls.renegotiate) o.secureOptions = constants.SSL_OP_NO_RENEGOTIATION;
  return o;
}
