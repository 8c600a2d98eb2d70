/**
 * A connection policy's `client_authentication` (caddytls.ClientAuthentication),
 * decoded at load and checked once a handshake is done, the way Go's
 * crypto/tls + x509.Verify would:
 *
 * - trust: `trusted_ca_certs`, `trusted_ca_certs_pem_files`, or a `ca` pool
 *   (`inline`, `file`); with none, a verifying mode uses the system roots
 *   (Go's ClientCAs = nil), here Node's bundled ones.
 * - a chain is built from the client's leaf through the intermediates the
 *   client sent (CA certificates only) to any trusted certificate — which
 *   may itself be an intermediate, as Go treats every pool member as an
 *   anchor — each valid now and, when it lists extended key usages,
 *   allowing clientAuth (Go's ExtKeyUsageClientAuth check over the chain).
 * - `trusted_leaf_certs` (deprecated in Caddy) and `verifiers` of type
 *   `leaf` (loaders `file`, `pem`, `folder`): the client's leaf must be one
 *   of them, which needs a certificate even in modes that do not verify
 *   (Caddy's VerifyConnection runs on every connection).
 * - the mode: Caddy's four, defaulting to require_and_verify when anything
 *   is trusted and to require otherwise.
 *
 * Node decides the verdict after the handshake (its OpenSSL verify callback
 * accepts everything), so an untrusted certificate cannot get Go's fatal
 * bad_certificate alert; a missing one can: when every policy of a server
 * needs a certificate, the listener sets OpenSSL's FAIL_IF_NO_PEER_CERT
 * (`requiresClientCert`), which answers certificate_required (TLS 1.3) or
 * handshake_failure (TLS 1.2) in the handshake itself.
 */
import { X509Certificate } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { rootCertificates } from 'node:tls';
import { DecodeError, ObjectReader } from '../core/decode.js';

export type ClientAuthMode = 'request' | 'require' | 'verify_if_given' | 'require_and_verify';

export interface ClientAuth {
  mode: ClientAuthMode;
  /** PEM of the trusted CAs, given to OpenSSL so the CertificateRequest names them. */
  ca: Buffer[];
  /** The trust anchors; null: the system roots. */
  roots: X509Certificate[] | null;
  /** Leaf verifiers: the client's leaf must be in each list. */
  leafSets: X509Certificate[][];
}

const modes: readonly ClientAuthMode[] = ['request', 'require', 'verify_if_given', 'require_and_verify'];
const pemCertRE = /-----BEGIN CERTIFICATE-----[^-]+-----END CERTIFICATE-----/g;

function pemOfDER(b64: string): Buffer {
  const lines = b64.match(/.{1,64}/g) ?? [];
  return Buffer.from(`-----BEGIN CERTIFICATE-----\n${lines.join('\n')}\n-----END CERTIFICATE-----\n`);
}

export function readPEMFile(file: string, at: string): Buffer {
  try {
    return readFileSync(file);
  } catch (err) {
    throw new DecodeError(at, `open ${file}: ${(err as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such file or directory' : (err as Error).message}`);
  }
}

function certsOfPEM(pem: Buffer | string, at: string, what: string): X509Certificate[] {
  const blocks = pem.toString().match(pemCertRE) ?? [];
  if (blocks.length === 0) throw new DecodeError(at, `no CERTIFICATE pem block found in ${what}`);
  try {
    return blocks.map((b) => new X509Certificate(b));
  } catch (err) {
    throw new DecodeError(at, `parsing certificate: ${(err as Error).message}`);
  }
}

function certOfBase64DER(b64: string, at: string): X509Certificate {
  try {
    return new X509Certificate(Buffer.from(b64, 'base64'));
  } catch (err) {
    throw new DecodeError(at, `parsing certificate: ${(err as Error).message}`);
  }
}

/** tls.client_auth.verifier.leaf with its tls.leaf_cert_loader.* modules. */
function decodeLeafVerifier(json: unknown, path: string): X509Certificate[] {
  const r = ObjectReader.of(json, path);
  const kind = r.str('verifier', '');
  if (kind !== 'leaf') throw new DecodeError(r.at('verifier'), `unknown module: tls.client_auth.verifier.${kind}`);
  const leaves: X509Certificate[] = [];
  r.list('leaf_certs_loaders', (v, at) => {
    const l = ObjectReader.of(v, at);
    const loader = l.str('loader', '');
    if (loader === 'file') {
      for (const f of l.strList('files')) leaves.push(...certsOfPEM(readPEMFile(f, l.at('files')), l.at('files'), f));
    } else if (loader === 'pem') {
      for (const c of l.strList('certificates')) leaves.push(...certsOfPEM(c, l.at('certificates'), 'PEM'));
    } else if (loader === 'folder') {
      for (const dir of l.strList('folders')) {
        let files: string[];
        try {
          files = readdirSync(dir).filter((f) => f.endsWith('.pem')).sort();
        } catch (err) {
          throw new DecodeError(l.at('folders'), `open ${dir}: ${(err as Error).message}`);
        }
        for (const f of files) leaves.push(...certsOfPEM(readPEMFile(join(dir, f), l.at('folders')), l.at('folders'), join(dir, f)));
      }
    } else {
      throw new DecodeError(l.at('loader'), `unknown module: tls.leaf_cert_loader.${loader}`);
    }
    l.done();
  });
  r.done();
  return leaves;
}

/** client_authentication: the older flat fields and newer Caddy's `ca` provider (inline, file); null when inactive. */
export function decodeClientAuth(r: ObjectReader): ClientAuth | null {
  const ca: Buffer[] = r.strList('trusted_ca_certs').map(pemOfDER);
  /** Where each PEM came from, for errors. */
  const from: string[] = ca.map((_, i) => `trusted_ca_certs[${i}]`);
  for (const f of r.strList('trusted_ca_certs_pem_files')) {
    ca.push(readPEMFile(f, r.at('trusted_ca_certs_pem_files')));
    from.push(f);
  }
  if (r.json.ca !== undefined && r.json.ca !== null) {
    if (ca.length > 0) throw new DecodeError(r.path, 'conflicting config for client authentication trust CA');
    const p = r.obj('ca');
    const provider = p.str('provider', '');
    if (provider === 'inline') {
      for (const [i, c] of p.strList('trusted_ca_certs').entries()) {
        ca.push(pemOfDER(c));
        from.push(`ca.trusted_ca_certs[${i}]`);
      }
    } else if (provider === 'file') {
      for (const f of p.strList('pem_files')) {
        ca.push(readPEMFile(f, p.at('pem_files')));
        from.push(f);
      }
    } else throw new DecodeError(p.at('provider'), `unknown module: tls.ca_pool.source.${provider}`);
    p.done();
  }
  const trustedLeaves = r.strList('trusted_leaf_certs').map((c, i) => certOfBase64DER(c, `${r.at('trusted_leaf_certs')}[${i}]`));
  const leafSets = r.list('verifiers', decodeLeafVerifier);
  if (trustedLeaves.length > 0) leafSets.push(trustedLeaves);
  const mode = r.str('mode', '');
  r.done();
  if (mode === '' && ca.length === 0 && trustedLeaves.length === 0 && leafSets.length === 0) return null;
  if (mode !== '' && !modes.includes(mode as ClientAuthMode)) throw new DecodeError(r.at('mode'), `client auth mode not recognized: ${mode}`);
  const roots = ca.length === 0 ? null : ca.flatMap((pem, i) => certsOfPEM(pem, r.path, from[i]!));
  // Caddy: with anything trusted the default is to verify; without, to require any certificate.
  const verifyByDefault = ca.length > 0 || trustedLeaves.length > 0;
  return { mode: (mode || (verifyByDefault ? 'require_and_verify' : 'require')) as ClientAuthMode, ca, roots, leafSets };
}

let systemRoots: X509Certificate[] | null = null;
function system(): X509Certificate[] {
  systemRoots ??= rootCertificates.map((p) => new X509Certificate(p));
  return systemRoots;
}

const validAt = (c: X509Certificate, now: number) => now >= Date.parse(c.validFrom) && now <= Date.parse(c.validTo);
const clientAuthOID = '1.3.6.1.5.5.7.3.2';
const anyEKUOID = '2.5.29.37.0';
/** No EKU extension means any usage, as in Go. */
const allowsClientAuth = (c: X509Certificate) => c.keyUsage === undefined || c.keyUsage.length === 0 || c.keyUsage.includes(clientAuthOID) || c.keyUsage.includes(anyEKUOID);
const issuedBy = (c: X509Certificate, issuer: X509Certificate) => c.checkIssued(issuer) && c.verify(issuer.publicKey);
const maxDepth = 8;

function chains(cert: X509Certificate, pool: readonly X509Certificate[], roots: readonly X509Certificate[], now: number, depth: number): boolean {
  if (!validAt(cert, now) || !allowsClientAuth(cert)) return false;
  if (depth === 0 && roots.some((r) => r.raw.equals(cert.raw))) return true;
  if (roots.some((r) => issuedBy(cert, r) && validAt(r, now) && allowsClientAuth(r))) return true;
  if (depth >= maxDepth) return false;
  return pool.some((i, k) => i.ca && issuedBy(cert, i) && chains(i, pool.filter((_, j) => j !== k), roots, now, depth + 1));
}

/** The intermediates the client sent after its leaf (Node links them by issuer). */
function sentChain(leaf: X509Certificate): X509Certificate[] {
  const out: X509Certificate[] = [];
  const seen = new Set<string>([leaf.fingerprint256]);
  for (let c = leaf.issuerCertificate; c !== undefined && !seen.has(c.fingerprint256); c = c.issuerCertificate) {
    seen.add(c.fingerprint256);
    out.push(c);
  }
  return out;
}

/** x509.Verify with the policy's roots, the client's intermediates and ExtKeyUsageClientAuth. */
export function clientChainTrusted(leaf: X509Certificate, roots: readonly X509Certificate[] | null, now = Date.now()): boolean {
  return chains(leaf, sentChain(leaf), roots ?? system(), now, 0);
}

/** Whether the handshake's client certificate (undefined: none) satisfies the policy, in Go's order: the mode, then the verifiers. */
export function clientAuthAccepts(auth: ClientAuth, leaf: X509Certificate | undefined, now = Date.now()): boolean {
  const given = leaf !== undefined;
  let ok: boolean;
  switch (auth.mode) {
    case 'request':
      ok = true;
      break;
    case 'require':
      ok = given;
      break;
    case 'verify_if_given':
      ok = !given || clientChainTrusted(leaf, auth.roots, now);
      break;
    case 'require_and_verify':
      ok = given && clientChainTrusted(leaf, auth.roots, now);
      break;
  }
  if (!ok || auth.leafSets.length === 0) return ok;
  return given && auth.leafSets.every((set) => set.some((c) => c.raw.equals(leaf.raw)));
}

const required = new WeakMap<readonly { clientAuth: ClientAuth | null }[], boolean>();

/**
 * Every policy of a server needs a client certificate, so the handshake
 * itself can refuse a client without one, with an alert (decided once per
 * policy list).
 */
export function requiresClientCert(policies: readonly { clientAuth: ClientAuth | null }[]): boolean {
  let r = required.get(policies);
  if (r === undefined) {
    r = policies.length > 0 && policies.every(({ clientAuth: a }) => a !== null && (a.mode === 'require' || a.mode === 'require_and_verify' || a.leafSets.length > 0));
    required.set(policies, r);
  }
  return r;
}
