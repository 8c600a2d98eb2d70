/**
 * Answering the CA's validation requests (certmagic solvers.go:
 * activeChallenges, GetACMEChallenge, SolveHTTPChallenge, and handshake.go's
 * TLS-ALPN path). A challenge this process presents is kept in memory; one
 * another process sharing the storage presents is found in storage under
 * the ACME issuers' keys of every running manager (certmagic's distributed
 * solving), so whichever instance the CA reaches can answer.
 *
 * Only the listeners' hooks call in here, and only for requests that look
 * like a challenge (a GET under /.well-known/acme-challenge/ on plain HTTP,
 * or a handshake offering the acme-tls/1 protocol).
 */
import { createHash } from 'node:crypto';
import { createSecureContext, type SecureContext } from 'node:tls';
import { type ACMEChallenge, challengeKey, loadChallenge } from '../challenges.js';
import type { Storage } from '../storage.js';
import type { EngineLog } from '../../core/log.js';

/** The path prefix of HTTP-01 (certmagic challengeBasePath). */
export const httpChallengePrefix = '/.well-known/acme-challenge/';
/** The ALPN protocol of TLS-ALPN-01 (RFC 8737). */
export const acmeTLS1 = 'acme-tls/1';

interface Found {
  chal: ACMEChallenge;
  /** Found in storage: another instance presented it. */
  distributed: boolean;
  log: EngineLog;
}

const active = new Map<string, Found>();

export interface ChallengeSource {
  readonly storage: Storage;
  readonly issuerKeys: readonly string[];
  readonly log: EngineLog;
}
const sources = new Set<ChallengeSource>();

/** A challenge this process is solving (certmagic's activeChallenges). */
export function activateChallenge(chal: ACMEChallenge, log: EngineLog): void {
  active.set(challengeKey(chal).toLowerCase(), { chal, distributed: false, log });
}

export function deactivateChallenge(chal: ACMEChallenge): void {
  const key = challengeKey(chal).toLowerCase();
  if (active.get(key)?.chal.token === chal.token) active.delete(key);
  alpnContexts.delete(chal.keyAuthorization ?? '');
}

/** A running manager's ACME storage: challenges presented by other instances are found there. Returns the removal. */
export function addChallengeSource(src: ChallengeSource): () => void {
  sources.add(src);
  return () => sources.delete(src);
}

/** GetACMEChallenge, then the distributed lookup. */
export async function findChallenge(identifier: string): Promise<Found | undefined> {
  const id = identifier.toLowerCase();
  const mem = active.get(id);
  if (mem !== undefined) return mem;
  for (const src of sources) {
    try {
      const chal = await loadChallenge(src.storage, src.issuerKeys, id);
      if (chal !== undefined) return { chal, distributed: true, log: src.log };
    } catch {
      // A corrupt token file of one storage must not stop another from answering.
    }
  }
  return undefined;
}

/** The host part of a Host header, without port or brackets, lower-cased. */
export function hostOnly(host: string): string {
  let h = host;
  if (h.startsWith('[')) {
    const end = h.indexOf(']');
    h = end > 0 ? h.slice(1, end) : h;
  } else {
    const colon = h.lastIndexOf(':');
    if (colon >= 0 && h.indexOf(':') === colon) h = h.slice(0, colon);
  }
  return h.toLowerCase();
}

/**
 * SolveHTTPChallenge's question: the key authorization to answer with, or
 * undefined when no HTTP-01 challenge for this host has this token.
 */
export async function httpChallengeAnswer(host: string, path: string, remote: string): Promise<string | undefined> {
  if (!path.startsWith(httpChallengePrefix)) return undefined;
  const token = path.slice(httpChallengePrefix.length);
  const found = await findChallenge(hostOnly(host));
  if (found === undefined) return undefined;
  const { chal } = found;
  if (chal.type !== 'http-01' || chal.token !== token || !chal.keyAuthorization) return undefined;
  found.log('info', 'tls.issuance.acme', 'served key authentication', { identifier: chal.identifier.value, challenge: 'http-01', remote, distributed: found.distributed });
  return chal.keyAuthorization;
}

// Challenge certificates, by key authorization: the CA connects more than once.
const alpnContexts = new Map<string, Promise<SecureContext>>();

/** The TLS-ALPN-01 certificate for serverName (RFC 8737): self-signed, its SAN the name, the acmeIdentifier extension critical. */
export function tlsALPNContext(serverName: string, remote: string): Promise<SecureContext> {
  return findChallenge(serverName).then((found) => {
    const chal = found?.chal;
    if (found === undefined || chal === undefined || chal.type !== 'tls-alpn-01' || !chal.keyAuthorization) throw new Error(`no information found to solve challenge for identifier: ${serverName}`);
    found.log('info', 'tls', 'served key authentication certificate', { server_name: serverName, challenge: 'tls-alpn-01', remote, distributed: found.distributed });
    const keyAuth = chal.keyAuthorization;
    let ctx = alpnContexts.get(keyAuth);
    if (ctx === undefined) {
      ctx = challengeCertificate(chal.identifier, keyAuth);
      ctx.catch(() => alpnContexts.delete(keyAuth));
      alpnContexts.set(keyAuth, ctx);
    }
    return ctx;
  });
}

async function challengeCertificate(identifier: ACMEChallenge['identifier'], keyAuthorization: string): Promise<SecureContext> {
  const [{ x509 }, { generateKey, webKeyPair, encodePrivateKey }] = await Promise.all([import('../pki/x509.js'), import('../pki/keys.js')]);
  const key = generateKey('p256');
  const pair = await webKeyPair(key);
  const digest = createHash('sha256').update(keyAuthorization).digest();
  const san = identifier.type === 'ip' ? { type: 'ip' as const, value: identifier.value } : { type: 'dns' as const, value: identifier.value };
  const now = Date.now();
  const cert = await x509.X509CertificateGenerator.createSelfSigned({
    serialNumber: '01',
    name: `CN=${identifier.type === 'ip' ? 'acme challenge' : identifier.value}`,
    notBefore: new Date(now - 60_000),
    notAfter: new Date(now + 7 * 86_400_000),
    keys: { privateKey: pair.privateKey, publicKey: pair.publicKey },
    signingAlgorithm: pair.signingAlgorithm,
    extensions: [
      new x509.SubjectAlternativeNameExtension([san]),
      // id-pe-acmeIdentifier: an OCTET STRING holding the SHA-256 of the key authorization.
      new x509.Extension('1.3.6.1.5.5.7.1.31', true, Buffer.concat([Buffer.from([0x04, digest.length]), digest])),
    ],
  });
  return createSecureContext({ cert: cert.toString('pem'), key: encodePrivateKey(key) });
}
