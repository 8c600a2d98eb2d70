/**
 * Issuers (certmagic's Issuer): whatever turns names + a private key into a
 * signed certificate chain. The CertManager holds, per automation policy, an
 * ordered list of them and tries each in turn until one succeeds, as
 * certmagic's obtainCert does; a stored certificate from any of them is used
 * before anything is issued.
 *
 * Using one (for on-demand TLS and anything else that needs a certificate):
 *
 *   const issuers = manager.issuersFor(name);          // the policy's list, in order
 *   const res = await issuers[0].issue({ names: [name], key, signal });
 *   // res.certificatePEM: the chain, leaf first; res.privateKeyPEM: `key`
 *   // PEM-encoded (certmagic's encoding); res.issuerData: what the issuer
 *   // wants kept in the .json beside the certificate (ACME: the order URL).
 *   await saveCertResource(storage, issuers[0].issuerKey, { sans: [name], ...res });
 *
 * or simply `await manager.obtain(name)`, which does storage lookup, locking,
 * the issuer loop, retries, saving and caching (what on-demand wants).
 *
 * - `issuerKey` is the folder under certificates/ (certmagic IssuerKey):
 *   `local` for the internal CA, `acme-v02.api.letsencrypt.org-directory`
 *   for ACME, so a Caddy data directory's certificates are found.
 * - `issue` never stores anything: the caller stores under the issue lock.
 * - `key` is made by the caller from the policy's key_type (certmagic's
 *   Config makes the key, the issuer only certifies it).
 */
import type { KeyObject } from 'node:crypto';
import type { Certificate } from './certificate.js';

export interface IssueRequest {
  /** Host names, IPs (wildcards allowed); already lower-cased and ASCII. */
  names: readonly string[];
  /** The key to certify. */
  key: KeyObject;
  /** Aborts a long issuance (the config is being stopped). */
  signal?: AbortSignal;
  now?: Date;
  /** ACME ARI: the certificate ID this one replaces (RFC 9773 `replaces`), when renewing on the CA's advice. */
  replaces?: string;
}

export interface IssuedCertificate {
  /** PEM chain, leaf first. */
  certificatePEM: Buffer;
  /** PEM of the request's key (certmagic's encoding). */
  privateKeyPEM: Buffer;
  /** Kept as `issuer_data` in the certificate's .json; null when the issuer has none. */
  issuerData: unknown;
}

/** When a certificate should be renewed, if the issuer knows better than the lifetime ratio (ACME ARI). */
export interface RenewalHint {
  /** The start of the suggested window: renew at a random time between start and end. */
  start: Date;
  end: Date;
  /** When to ask again (Retry-After). */
  retryAfter?: Date;
  /** What a renewal on this advice names as the certificate it replaces (ACME `replaces`). */
  replaces?: string;
}

export interface Issuer {
  /** The storage folder of this issuer's certificates (certmagic IssuerKey). */
  readonly issuerKey: string;
  /** The module name, as logs give it (`internal`, `acme`). */
  readonly module: string;
  /** Certifies req.key for req.names. Throws on failure (the manager retries with backoff). */
  issue(req: IssueRequest): Promise<IssuedCertificate>;
  /** Optional ARI: the CA's suggested renewal window for a certificate this issuer issued. */
  renewalHint?(cert: Certificate): Promise<RenewalHint | null>;
  /** Releases background work (nothing for most). */
  close?(): void;
}
