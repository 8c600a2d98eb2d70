/**
 * RFC 8555 §6.2 request authentication: a flattened JWS (RFC 7515) whose
 * protected header names the algorithm, the nonce, the URL and either the
 * account's key (`jwk`, newAccount and revocation by certificate key) or the
 * account URL (`kid`). Verification is node:crypto's; ES* signatures are
 * the raw r||s form JWS uses.
 */
import { createHash, createPublicKey, verify, type JsonWebKey, type KeyObject } from 'node:crypto';
import { Problem } from './problem.js';

export interface ProtectedHeader {
  alg: string;
  nonce: string;
  url: string;
  jwk?: JsonWebKey;
  kid?: string;
}

export interface ParsedJWS {
  header: ProtectedHeader;
  /** '' for POST-as-GET. */
  payloadText: string;
  protectedB64: string;
  payloadB64: string;
  signature: Buffer;
}

const b64url = /^[A-Za-z0-9_-]*$/;

function decodeB64(s: unknown, what: string): Buffer {
  if (typeof s !== 'string' || !b64url.test(s)) throw new Problem('malformed', `${what} is not base64url`);
  return Buffer.from(s, 'base64url');
}

/**
 * Parses the body; checks its shape, not its signature. `inner`: the
 * key-change request's inner JWS (RFC 8555 §7.3.5), which has a jwk and no nonce.
 */
export function parseJWS(body: Buffer, inner = false): ParsedJWS {
  let outer: unknown;
  try {
    outer = JSON.parse(body.toString('utf8'));
  } catch {
    throw new Problem('malformed', 'failed to parse JWS: the request body is not JSON');
  }
  if (outer === null || typeof outer !== 'object' || Array.isArray(outer)) throw new Problem('malformed', 'failed to parse JWS: expected a JSON object');
  const o = outer as Record<string, unknown>;
  if ('signatures' in o) throw new Problem('malformed', 'JWS must use the flattened JSON serialization with exactly one signature');
  if ('header' in o) throw new Problem('malformed', 'JWS must not have an unprotected header');
  const protectedB64 = o.protected;
  const payloadB64 = o.payload;
  if (typeof protectedB64 !== 'string' || typeof payloadB64 !== 'string' || typeof o.signature !== 'string') {
    throw new Problem('malformed', 'JWS needs "protected", "payload" and "signature" strings');
  }
  let header: Record<string, unknown>;
  try {
    header = JSON.parse(decodeB64(protectedB64, 'protected header').toString('utf8')) as Record<string, unknown>;
  } catch (err) {
    if (err instanceof Problem) throw err;
    throw new Problem('malformed', 'the JWS protected header is not JSON');
  }
  if (header === null || typeof header !== 'object') throw new Problem('malformed', 'the JWS protected header is not an object');
  const { alg, nonce, url, jwk, kid } = header;
  if (typeof alg !== 'string') throw new Problem('malformed', 'the JWS protected header has no "alg"');
  if (alg === 'none' || alg.startsWith('HS')) throw new Problem('badSignatureAlgorithm', `unsupported JWS algorithm "${alg}"`);
  if (typeof url !== 'string') throw new Problem('malformed', 'the JWS protected header has no "url"');
  if (inner) {
    if (nonce !== undefined) throw new Problem('malformed', 'the inner JWS must not have a "nonce"');
    if (jwk === undefined) throw new Problem('malformed', 'the inner JWS must have a "jwk"');
  } else if (typeof nonce !== 'string' || nonce === '') throw new Problem('badNonce', 'the JWS protected header has no "nonce"');
  if ((jwk === undefined) === (kid === undefined)) throw new Problem('malformed', 'the JWS protected header must have exactly one of "jwk" and "kid"');
  if (jwk !== undefined && (jwk === null || typeof jwk !== 'object' || Array.isArray(jwk))) throw new Problem('malformed', '"jwk" must be a JSON object');
  if (kid !== undefined && typeof kid !== 'string') throw new Problem('malformed', '"kid" must be a string');
  const signature = decodeB64(o.signature, 'signature');
  const payloadText = decodeB64(payloadB64, 'payload').toString('utf8');
  return { header: { alg, nonce: typeof nonce === 'string' ? nonce : '', url, jwk: jwk as JsonWebKey | undefined, kid: kid as string | undefined }, payloadText, protectedB64, payloadB64, signature };
}

/** A client's public key from its JWK; badPublicKey when it is not one node can use. */
export function keyFromJWK(jwk: JsonWebKey): KeyObject {
  if ('d' in jwk) throw new Problem('badPublicKey', 'the JWK holds a private key');
  try {
    return createPublicKey({ key: jwk, format: 'jwk' });
  } catch (err) {
    throw new Problem('badPublicKey', `invalid JWK: ${(err as Error).message}`);
  }
}

/** Checks the signature with key; the algorithm must fit the key (RFC 8555 §6.2). */
export function verifyJWS(jws: ParsedJWS, key: KeyObject): void {
  const { alg } = jws.header;
  const signed = Buffer.from(`${jws.protectedB64}.${jws.payloadB64}`);
  let ok: boolean;
  const type = key.asymmetricKeyType;
  const curve = key.asymmetricKeyDetails?.namedCurve;
  const ec = (want: string, hash: string) => {
    if (type !== 'ec' || curve !== want) throw new Problem('badSignatureAlgorithm', `JWS algorithm ${alg} does not fit the account key`);
    return verify(hash, signed, { key, dsaEncoding: 'ieee-p1363' }, jws.signature);
  };
  switch (alg) {
    case 'ES256':
      ok = ec('prime256v1', 'sha256');
      break;
    case 'ES384':
      ok = ec('secp384r1', 'sha384');
      break;
    case 'ES512':
      ok = ec('secp521r1', 'sha512');
      break;
    case 'RS256':
    case 'RS384':
    case 'RS512':
      if (type !== 'rsa') throw new Problem('badSignatureAlgorithm', `JWS algorithm ${alg} does not fit the account key`);
      ok = verify(`sha${alg.slice(2)}`, signed, key, jws.signature);
      break;
    case 'EdDSA':
      if (type !== 'ed25519') throw new Problem('badSignatureAlgorithm', `JWS algorithm ${alg} does not fit the account key`);
      ok = verify(null, signed, key, jws.signature);
      break;
    default:
      throw new Problem('badSignatureAlgorithm', `unsupported JWS algorithm "${alg}"`);
  }
  if (!ok) throw new Problem('malformed', 'JWS signature verification failed');
}

/** RFC 7638 thumbprint (SHA-256, base64url) of the public key. */
export function thumbprint(key: KeyObject): string {
  const jwk = key.export({ format: 'jwk' });
  let members: Record<string, unknown>;
  if (jwk.kty === 'EC') members = { crv: jwk.crv, kty: jwk.kty, x: jwk.x, y: jwk.y };
  else if (jwk.kty === 'RSA') members = { e: jwk.e, kty: jwk.kty, n: jwk.n };
  else members = { crv: jwk.crv, kty: jwk.kty, x: jwk.x };
  return createHash('sha256').update(JSON.stringify(members)).digest('base64url');
}

/** The public key as stored with the account. */
export const publicJWK = (key: KeyObject): JsonWebKey => key.export({ format: 'jwk' });
