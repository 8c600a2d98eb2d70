/**
 * Leaf certificates from the internal CA, as Caddy's internal issuer
 * (caddytls/internalissuer.go) gets them from smallstep with certmagic's CSR:
 * an empty subject with the names in a critical subjectAltName (DNS names,
 * IP addresses, emails), keyUsage digitalSignature (+ keyEncipherment for
 * RSA keys), extKeyUsage serverAuth + clientAuth, valid from now for 12 hours
 * (clamped to the issuer's own expiry), signed by the intermediate (or the
 * root with signWithRoot). The chain returned is leaf, then the issuer.
 */
import { type KeyObject } from 'node:crypto';
import { isIP } from 'node:net';
import { type CertificateResource, toASCIIName } from '../cert_resource.js';
import { type CertificateAuthority, notAfter, randomSerial } from './ca.js';
import { encodePrivateKey, generateKey, type KeyType, webKeyPair } from './keys.js';
import { x509 } from './x509.js';

/** defaultInternalCertLifetime. */
export const defaultLeafLifetimeMs = 12 * 3600_000;

export interface LeafOptions {
  /** Host names (wildcards too), IP addresses, emails. */
  names: readonly string[];
  /** The issuer's `lifetime`; 12 h by default. */
  lifetimeMs?: number;
  /** certmagic's key_type; p256 by default. Ignored when key is given. */
  keyType?: KeyType;
  /** A key to certify instead of a new one (certmagic reuses keys when asked to). */
  key?: KeyObject;
  /** `sign_with_root`: sign with the root rather than the intermediate (not recommended, as in Caddy). */
  signWithRoot?: boolean;
  now?: Date;
}

export interface IssuedLeaf extends CertificateResource {
  key: KeyObject;
  notBefore: Date;
  notAfter: Date;
}

/** generateCSR's split of identifiers into SAN kinds (emails by '@', IPs by syntax, the rest DNS). */
function subjectAltNames(names: readonly string[]): x509.JsonGeneralNames {
  return names.map((raw) => {
    const name = toASCIIName(raw);
    if (isIP(name)) return { type: 'ip' as const, value: name };
    if (name.includes('@')) return { type: 'email' as const, value: name };
    return { type: 'dns' as const, value: name };
  });
}

export async function issueLeaf(ca: CertificateAuthority, opts: LeafOptions): Promise<IssuedLeaf> {
  if (opts.names.length === 0) throw new Error('no names to issue a certificate for');
  const now = opts.now ?? new Date();
  const issuer = opts.signWithRoot ? ca.root : ca.intermediate;
  const issuerKey = opts.signWithRoot ? await ca.rootKey() : ca.intermediateKey;
  // Never outlive the issuer (Caddy clamps and warns).
  const lifetime = Math.min(opts.lifetimeMs ?? defaultLeafLifetimeMs, notAfter(issuer.cert).getTime() - now.getTime());
  if (lifetime <= 0) throw new Error(`issuer certificate expired at ${notAfter(issuer.cert).toISOString()}`);

  const key = opts.key ?? generateKey(opts.keyType ?? 'p256');
  const subjectPair = await webKeyPair(key);
  const signer = await webKeyPair(issuerKey);
  const issuerCert = new x509.X509Certificate(issuer.cert.raw);
  const usage = key.asymmetricKeyType === 'rsa' ? x509.KeyUsageFlags.keyEncipherment | x509.KeyUsageFlags.digitalSignature : x509.KeyUsageFlags.digitalSignature;
  const cert = await x509.X509CertificateGenerator.create({
    serialNumber: randomSerial(),
    subject: '',
    issuer: issuerCert.subject,
    notBefore: now,
    notAfter: new Date(now.getTime() + lifetime),
    publicKey: subjectPair.publicKey,
    signingKey: signer.privateKey,
    signingAlgorithm: signer.signingAlgorithm,
    extensions: [
      new x509.KeyUsagesExtension(usage, true),
      new x509.ExtendedKeyUsageExtension([x509.ExtendedKeyUsage.serverAuth, x509.ExtendedKeyUsage.clientAuth]),
      await x509.SubjectKeyIdentifierExtension.create(subjectPair.publicKey),
      await x509.AuthorityKeyIdentifierExtension.create(issuerCert),
      // Critical because the subject is empty (RFC 5280 4.2.1.6).
      new x509.SubjectAlternativeNameExtension(subjectAltNames(opts.names), true),
    ],
  });
  const chain = cert.toString('pem') + '\n' + (opts.signWithRoot ? ca.root.pem : ca.intermediateChain.map((c) => c.pem).join(''));
  return {
    sans: opts.names.map(toASCIIName),
    certificatePEM: Buffer.from(chain),
    privateKeyPEM: Buffer.from(encodePrivateKey(key)),
    issuerData: null,
    key,
    // As encoded: X.509 times have whole seconds.
    notBefore: cert.notBefore,
    notAfter: cert.notAfter,
  };
}
