/**
 * A managed certificate in storage, as certmagic keeps it (crypto.go
 * saveCertResource / loadCertResource, certmagic.go CertificateResource):
 * under certificates/<issuer>/<names key>/ a `.crt` (the PEM chain, leaf
 * first), a `.key` (the PEM private key) and a `.json`:
 *
 *     {
 *     	"sans": ["example.com"],
 *     	"issuer_data": {...}
 *     }
 *
 * indented with tabs as Go's json.MarshalIndent writes it; issuer_data is the
 * issuer's own (the ACME order's URL and CA, or `null` for the internal issuer)
 * and is kept as is.
 */
import { domainToASCII } from 'node:url';
import { type Storage, storeAll } from './storage.js';
import { namesKey, siteCert, siteMeta, sitePrivateKey } from './storage_keys.js';

export interface CertificateResource {
  sans: string[];
  certificatePEM: Buffer;
  privateKeyPEM: Buffer;
  /** Whatever the issuer recorded; `null` when it recorded nothing (Go marshals a nil Metadata as null). */
  issuerData: unknown;
}

/** idna.ToASCII (Punycode profile): only names with non-ASCII characters change. */
export function toASCIIName(name: string): string {
  // eslint-disable-next-line no-control-regex
  if (/^[\x00-\x7f]*$/.test(name)) return name;
  const ascii = domainToASCII(name);
  if (ascii === '') throw new Error(`converting '${name}' to ASCII: invalid name`);
  return ascii;
}

export async function saveCertResource(storage: Storage, issuerKey: string, res: CertificateResource): Promise<void> {
  const key = namesKey(res.sans);
  const meta = JSON.stringify({ sans: res.sans.length ? res.sans : undefined, issuer_data: res.issuerData ?? null }, null, '\t');
  await storeAll(storage, [
    [sitePrivateKey(issuerKey, key), res.privateKeyPEM],
    [siteCert(issuerKey, key), res.certificatePEM],
    [siteMeta(issuerKey, key), meta],
  ]);
}

/**
 * Loads the resource stored for certNamesKey (one name, or a namesKey) from
 * the issuer's folder; the storage's NotExistError when any file is missing.
 */
export async function loadCertResource(storage: Storage, issuerKey: string, certNamesKey: string): Promise<CertificateResource> {
  const name = toASCIIName(certNamesKey);
  const privateKeyPEM = await storage.load(sitePrivateKey(issuerKey, name));
  const certificatePEM = await storage.load(siteCert(issuerKey, name));
  const metaBytes = await storage.load(siteMeta(issuerKey, name));
  let meta: { sans?: unknown; issuer_data?: unknown };
  try {
    meta = JSON.parse(metaBytes.toString('utf8')) as typeof meta;
  } catch (err) {
    throw new Error(`decoding certificate metadata: ${(err as Error).message}`, { cause: err });
  }
  const sans = Array.isArray(meta.sans) ? meta.sans.filter((s): s is string => typeof s === 'string') : [];
  return { sans, certificatePEM, privateKeyPEM, issuerData: meta.issuer_data ?? null };
}
