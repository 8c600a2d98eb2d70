/**
 * Finalize's signing: the CSR is checked (its own signature, its names
 * against the order's identifiers) and a leaf is made as smallstep's ACME
 * provisioner makes it for Caddy: the CSR's subject, its names in the
 * subjectAltName, digitalSignature (+ keyEncipherment for RSA),
 * serverAuth + clientAuth, valid from a minute ago (smallstep's backdate)
 * for the handler's lifetime, never past the issuer's own expiry, signed by
 * the CA's intermediate (or its root with sign_with_root).
 */
import { isIP } from 'node:net';
import { type CertificateAuthority, notAfter, randomSerial } from '../../tls/pki/ca.js';
import { webKeyPair } from '../../tls/pki/keys.js';
import { x509 } from '../../tls/pki/x509.js';
import type { Identifier } from './policy.js';
import { Problem } from './problem.js';

export interface ParsedCSR {
  csr: x509.Pkcs10CertificateRequest;
  identifiers: Identifier[];
  commonName?: string;
}

const backdateMs = 60_000;

const idKey = (i: Identifier): string => `${i.type}:${i.value.toLowerCase()}`;

export async function parseCSR(b64: string): Promise<ParsedCSR> {
  let csr: x509.Pkcs10CertificateRequest;
  try {
    csr = new x509.Pkcs10CertificateRequest(new Uint8Array(Buffer.from(b64, 'base64url')));
  } catch (err) {
    throw new Problem('badCSR', `failed to parse the CSR: ${(err as Error).message}`);
  }
  let ok = false;
  try {
    ok = await csr.verify();
  } catch {
    ok = false;
  }
  if (!ok) throw new Problem('badCSR', 'the CSR signature is invalid');
  const ids = new Map<string, Identifier>();
  const sanExt = csr.getExtension('2.5.29.17');
  const san = sanExt && new x509.SubjectAlternativeNameExtension(sanExt.rawData);
  for (const n of san?.names.items ?? []) {
    if (n.type === 'dns') ids.set(idKey({ type: 'dns', value: n.value }), { type: 'dns', value: n.value.toLowerCase() });
    else if (n.type === 'ip') ids.set(idKey({ type: 'ip', value: n.value }), { type: 'ip', value: n.value });
    else throw new Problem('badCSR', `the CSR names a ${n.type} subject alternative name; only DNS names and IP addresses are certified`);
  }
  const cn = csr.subjectName.getField('CN')[0];
  if (cn !== undefined && cn !== '') {
    const id: Identifier = isIP(cn) ? { type: 'ip', value: cn } : { type: 'dns', value: cn.toLowerCase() };
    ids.set(idKey(id), id);
  }
  return { csr, identifiers: [...ids.values()], commonName: cn || undefined };
}

/** The CSR must name exactly the order's identifiers (RFC 8555 §7.4). */
export function checkCSRNames(csr: ParsedCSR, order: readonly Identifier[]): void {
  const want = new Set(order.map(idKey));
  const got = new Set(csr.identifiers.map(idKey));
  const missing = [...want].filter((k) => !got.has(k));
  const extra = [...got].filter((k) => !want.has(k));
  if (missing.length || extra.length) {
    const parts = [];
    if (missing.length) parts.push(`missing ${missing.join(', ')}`);
    if (extra.length) parts.push(`not in the order: ${extra.join(', ')}`);
    throw new Problem('badCSR', `the CSR's names do not match the order's identifiers (${parts.join('; ')})`);
  }
}

export interface SignOptions {
  lifetimeMs: number;
  signWithRoot: boolean;
  notBefore?: Date;
  notAfter?: Date;
  now?: Date;
}

export async function signCSR(ca: CertificateAuthority, parsed: ParsedCSR, opts: SignOptions): Promise<{ pem: string; serial: string }> {
  const now = opts.now ?? new Date();
  const issuer = opts.signWithRoot ? ca.root : ca.intermediate;
  const issuerKey = opts.signWithRoot ? await ca.rootKey() : ca.intermediateKey;
  const from = opts.notBefore ?? new Date(now.getTime() - backdateMs);
  let to = opts.notAfter ?? new Date(now.getTime() + opts.lifetimeMs);
  if (to.getTime() > notAfter(issuer.cert).getTime()) to = notAfter(issuer.cert);
  if (to.getTime() <= now.getTime()) throw new Problem('serverInternal', `the CA's issuer certificate expired at ${notAfter(issuer.cert).toISOString()}`);

  const signer = await webKeyPair(issuerKey);
  const issuerCert = new x509.X509Certificate(issuer.cert.raw);
  const pub = parsed.csr.publicKey;
  const isRSA = pub.algorithm.name.startsWith('RSA');
  const usage = isRSA ? x509.KeyUsageFlags.keyEncipherment | x509.KeyUsageFlags.digitalSignature : x509.KeyUsageFlags.digitalSignature;
  const subject = parsed.commonName ? new x509.Name([{ CN: [parsed.commonName] }]).toString() : '';
  const serial = randomSerial();
  const names: x509.JsonGeneralNames = parsed.identifiers.map((i) => ({ type: i.type, value: i.value }));
  const cert = await x509.X509CertificateGenerator.create({
    serialNumber: serial,
    subject,
    issuer: issuerCert.subject,
    notBefore: from,
    notAfter: to,
    publicKey: pub,
    signingKey: signer.privateKey,
    signingAlgorithm: signer.signingAlgorithm,
    extensions: [
      new x509.KeyUsagesExtension(usage, true),
      new x509.ExtendedKeyUsageExtension([x509.ExtendedKeyUsage.serverAuth, x509.ExtendedKeyUsage.clientAuth]),
      await x509.SubjectKeyIdentifierExtension.create(pub),
      await x509.AuthorityKeyIdentifierExtension.create(issuerCert),
      // Critical when the subject is empty (RFC 5280 4.2.1.6).
      new x509.SubjectAlternativeNameExtension(names, subject === ''),
    ],
  });
  const chain = cert.toString('pem') + '\n' + (opts.signWithRoot ? ca.root.pem : ca.intermediateChain.map((c) => c.pem).join(''));
  return { pem: chain, serial: cert.serialNumber.toLowerCase() };
}
