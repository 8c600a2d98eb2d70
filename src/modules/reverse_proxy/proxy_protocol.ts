/**
 * transport http `proxy_protocol v1|v2`: a PROXY header (HAProxy's
 * protocol) written first on every upstream connection, before TLS, naming
 * the client. As Caddy: the source is the client IP ({http.vars.client_ip},
 * trusted_proxies applied) with port 0, the destination all zeros of the
 * same family (the original destination is of little interest, Caddy says);
 * a connection that carries one client's header serves only that client,
 * so connections are pooled per client IP (Caddy keys its pool by
 * "client->host" the same way).
 * The connection itself is dial.ts's.
 */
import { addrString, isV4, parseAddr } from '../../net/ip.js';

export type ProxyProtocolVersion = 'v1' | 'v2';

const V2_SIGNATURE = Buffer.from([0x0d, 0x0a, 0x0d, 0x0a, 0x00, 0x0d, 0x0a, 0x51, 0x55, 0x49, 0x54, 0x0a]);

/** The header for a client IP, or null when it is no IP address (Caddy refuses the dial then). */
export function proxyHeader(version: ProxyProtocolVersion, clientIP: string): Buffer | null {
  const a = parseAddr(clientIP);
  if (a === null) return null;
  // As Go's netip Is4: an IPv4-mapped IPv6 address stays IPv6.
  const v4 = isV4(a);
  if (version === 'v1') {
    const ip = addrString({ bytes: a.bytes, zone: '' });
    return Buffer.from(v4 ? `PROXY TCP4 ${ip} 0.0.0.0 0 0\r\n` : `PROXY TCP6 ${ip} :: 0 0\r\n`, 'latin1');
  }
  const addrLen = v4 ? 12 : 36;
  const b = Buffer.alloc(16 + addrLen);
  V2_SIGNATURE.copy(b, 0);
  b[12] = 0x21; // version 2, PROXY command
  b[13] = v4 ? 0x11 : 0x21; // TCP over IPv4 / IPv6
  b.writeUInt16BE(addrLen, 14);
  b.set(a.bytes, 16);
  // The destination address and both ports stay zero.
  return b;
}
