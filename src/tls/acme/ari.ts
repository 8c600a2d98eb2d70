/**
 * ACME Renewal Information (RFC 9773): the CA suggests when to renew. The
 * certificate's ID is base64url(authority key identifier) "."
 * base64url(serial number as DER INTEGER content); the response is
 * `{"suggestedWindow": {"start", "end"}, "explanationURL"}` with a
 * Retry-After saying when to ask again.
 */
import type { RenewalHint } from '../issuer.js';
import { x509 } from '../pki/x509.js';
import type { ACMEClient } from './client.js';

export function ariCertID(certPEM: Buffer | string): string {
  const leaf = new x509.X509Certificate(String(certPEM).split(/(?<=-----END CERTIFICATE-----)/)[0]!);
  const aki = leaf.getExtension(x509.AuthorityKeyIdentifierExtension);
  if (aki === null || !aki.keyId) throw new Error('certificate has no authority key identifier');
  let serial = Buffer.from(leaf.serialNumber, 'hex');
  // DER INTEGER content: a leading 0 keeps a high-bit serial positive.
  if (serial.length > 0 && (serial[0]! & 0x80) !== 0) serial = Buffer.concat([Buffer.from([0]), serial]);
  return `${Buffer.from(aki.keyId, 'hex').toString('base64url')}.${serial.toString('base64url')}`;
}

/** Retry-After as seconds or an HTTP date; 6 h when absent (RFC 9773 §4.3's suggestion). */
function retryAfter(header: string | undefined, now: number): Date {
  if (header !== undefined) {
    const secs = Number(header);
    if (Number.isFinite(secs) && secs >= 0) return new Date(now + secs * 1000);
    const at = Date.parse(header);
    if (!Number.isNaN(at)) return new Date(at);
  }
  return new Date(now + 6 * 3600_000);
}

export async function fetchRenewalInfo(c: ACMEClient, base: string, certID: string): Promise<RenewalHint> {
  const url = `${base.replace(/\/+$/, '')}/${certID}`;
  const resp = await c.http.request(url, 'get');
  if (resp.status !== 200) throw new Error(`renewalInfo ${url}: HTTP ${resp.status}`);
  const body = (typeof resp.data === 'string' ? JSON.parse(resp.data) : resp.data) as { suggestedWindow?: { start?: string; end?: string } };
  const start = Date.parse(body.suggestedWindow?.start ?? '');
  const end = Date.parse(body.suggestedWindow?.end ?? '');
  if (Number.isNaN(start) || Number.isNaN(end) || end < start) throw new Error(`renewalInfo ${url}: invalid suggestedWindow`);
  return { start: new Date(start), end: new Date(end), retryAfter: retryAfter(resp.headers['retry-after'], Date.now()) };
}
