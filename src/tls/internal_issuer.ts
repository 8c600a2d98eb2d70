/**
 * Caddy's internal issuer (caddytls/internalissuer.go) behind the Issuer
 * interface: leaves from the local CA (src/tls/pki), loaded once per Runtime
 * and storage by the AuthorityLoader the tls app hands in.
 */
import type { Storage } from './storage.js';
import type { IssueRequest, IssuedCertificate, Issuer } from './issuer.js';
import type { CertificateAuthority } from './pki/ca.js';
import { internalIssuerKey } from './storage_keys.js';

export interface InternalIssuerConfig {
  module: 'internal';
  ca: string;
  /** 0 = the issuer's default (12 h). */
  lifetimeMs: number;
  signWithRoot: boolean;
}

/** Authorities by data dir and id, shared by every config of a Runtime (loading one makes keys). */
export type AuthorityLoader = (storage: Storage, key: string, id: string) => Promise<CertificateAuthority>;

export class InternalIssuer implements Issuer {
  readonly module = 'internal';
  readonly issuerKey: string;

  constructor(
    private readonly cfg: InternalIssuerConfig,
    private readonly storage: Storage,
    /** Identifies the storage for the authority cache. */
    private readonly storageID: string,
    private readonly authority: AuthorityLoader,
  ) {
    this.issuerKey = internalIssuerKey(cfg.ca);
  }

  async issue(req: IssueRequest): Promise<IssuedCertificate> {
    const ca = await this.authority(this.storage, this.storageID, this.cfg.ca);
    const { issueLeaf } = await import('./pki/leaf.js');
    const leaf = await issueLeaf(ca, { names: req.names, key: req.key, lifetimeMs: this.cfg.lifetimeMs || undefined, signWithRoot: this.cfg.signWithRoot, now: req.now });
    return { certificatePEM: leaf.certificatePEM, privateKeyPEM: leaf.privateKeyPEM, issuerData: null };
  }
}
