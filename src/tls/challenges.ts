/**
 * certmagic's distributed challenge solving (solvers.go distributedSolver,
 * config.go getACMEChallengeInfo): while an HTTP-01 or TLS-ALPN-01 challenge
 * is pending, its data sits in storage under the ACME issuer's prefix, so
 * whichever instance sharing the storage receives the CA's validation
 * request can answer it. The JSON is acmez's acme.Challenge, field for
 * field, so tsweb and Caddy instances can answer each other's challenges.
 */
import { parseAddr } from '../net/ip.js';
import { isNotExist, type Storage } from './storage.js';
import { challengeTokensKey } from './storage_keys.js';

/** acme.Challenge (acmez) as encoding/json writes it; Go's field order. */
export interface ACMEChallenge {
  type: string;
  url: string;
  status: string;
  validated?: string;
  error?: Record<string, unknown>;
  token?: string;
  keyAuthorization?: string;
  identifier: { type: string; value: string };
  from?: string;
  'tkauth-type'?: string;
}

/** dns.ReverseAddr without the final dot: the name TLS-ALPN-01 validation of an IP uses as SNI (RFC 8738). */
export function reverseAddr(ip: string): string | undefined {
  const a = parseAddr(ip);
  if (!a) return undefined;
  const b = a.bytes;
  if (b.length === 4) return `${b[3]}.${b[2]}.${b[1]}.${b[0]}.in-addr.arpa`;
  const nibbles: string[] = [];
  for (let i = b.length - 1; i >= 0; i--) nibbles.push((b[i]! & 0xf).toString(16), (b[i]! >> 4).toString(16));
  return `${nibbles.join('.')}.ip6.arpa`;
}

/** challengeKey: the identifier, except an IP under TLS-ALPN-01, which is looked up by its reverse name. */
export function challengeKey(chal: Pick<ACMEChallenge, 'type' | 'identifier'>): string {
  if (chal.type === 'tls-alpn-01' && chal.identifier.type === 'ip') return reverseAddr(chal.identifier.value) ?? chal.identifier.value;
  return chal.identifier.value;
}

function encode(chal: ACMEChallenge): string {
  // Spelled out so the keys come in acmez's order whatever order the caller built them in.
  const o: Record<string, unknown> = { type: chal.type, url: chal.url, status: chal.status };
  if (chal.validated) o.validated = chal.validated;
  if (chal.error) o.error = chal.error;
  if (chal.token) o.token = chal.token;
  if (chal.keyAuthorization) o.keyAuthorization = chal.keyAuthorization;
  o.identifier = { type: chal.identifier.type, value: chal.identifier.value };
  if (chal.from) o.from = chal.from;
  if (chal['tkauth-type']) o['tkauth-type'] = chal['tkauth-type'];
  return JSON.stringify(o);
}

/** distributedSolver.Present: records the challenge before the CA is told to validate. */
export async function storeChallenge(storage: Storage, issuerKey: string, chal: ACMEChallenge): Promise<void> {
  await storage.store(challengeTokensKey(issuerKey, challengeKey(chal)), encode(chal));
}

/** distributedSolver.CleanUp. */
export async function deleteChallenge(storage: Storage, issuerKey: string, chal: ACMEChallenge): Promise<void> {
  await storage.delete(challengeTokensKey(issuerKey, challengeKey(chal)));
}

/**
 * getACMEChallengeInfo's storage half: the challenge for identifier (a host
 * name, an IP, or for TLS-ALPN an IP's reverse name) under the first of the
 * issuers that has one, or undefined.
 */
export async function loadChallenge(storage: Storage, issuerKeys: readonly string[], identifier: string): Promise<ACMEChallenge | undefined> {
  for (const issuerKey of issuerKeys) {
    const key = challengeTokensKey(issuerKey, identifier);
    let bytes: Buffer;
    try {
      bytes = await storage.load(key);
    } catch (err) {
      if (isNotExist(err)) continue;
      throw new Error(`opening distributed challenge token file ${key}: ${(err as Error).message}`, { cause: err });
    }
    if (bytes.length === 0) continue;
    try {
      return JSON.parse(bytes.toString('utf8')) as ACMEChallenge;
    } catch (err) {
      throw new Error(`decoding challenge token file ${key} (corrupted?): ${(err as Error).message}`, { cause: err });
    }
  }
  return undefined;
}
