/**
 * Private keys and PEM the way certmagic and Caddy store them
 * (certmagic crypto.go PEMEncodePrivateKey / PEMDecodePrivateKey): ECDSA as
 * SEC 1 "EC PRIVATE KEY", RSA as PKCS #1 "RSA PRIVATE KEY", Ed25519 as
 * PKCS #8 under "ED25519 PRIVATE KEY"; reading accepts any "… PRIVATE KEY"
 * block in PKCS #1, PKCS #8 or SEC 1, as Caddy does.
 *
 * Keys are node:crypto KeyObjects; @peculiar/x509 signs with WebCrypto keys,
 * which signingKey() derives.
 */
import { createPrivateKey, createPublicKey, generateKeyPairSync, type KeyObject, webcrypto } from 'node:crypto';

/** certmagic's KeyType names (the `key_type` option). */
export type KeyType = 'p256' | 'p384' | 'ed25519' | 'rsa2048' | 'rsa4096' | 'rsa8192';

export const keyTypes: readonly KeyType[] = ['p256', 'p384', 'ed25519', 'rsa2048', 'rsa4096', 'rsa8192'];

export function generateKey(type: KeyType = 'p256'): KeyObject {
  switch (type) {
    case 'p256':
      return generateKeyPairSync('ec', { namedCurve: 'prime256v1' }).privateKey;
    case 'p384':
      return generateKeyPairSync('ec', { namedCurve: 'secp384r1' }).privateKey;
    case 'ed25519':
      return generateKeyPairSync('ed25519').privateKey;
    case 'rsa2048':
    case 'rsa4096':
    case 'rsa8192':
      return generateKeyPairSync('rsa', { modulusLength: Number(type.slice(3)) }).privateKey;
  }
}

export function pemEncode(type: string, der: Uint8Array): string {
  const b64 = Buffer.from(der).toString('base64');
  const lines = b64.match(/.{1,64}/g) ?? [];
  return `-----BEGIN ${type}-----\n${lines.join('\n')}\n-----END ${type}-----\n`;
}

export interface PEMBlock {
  type: string;
  der: Buffer;
}

/** Every PEM block in text, in order (Go's pem.Decode in a loop; headers are skipped). */
export function pemDecodeAll(text: string | Uint8Array): PEMBlock[] {
  const s = typeof text === 'string' ? text : Buffer.from(text).toString('latin1');
  const out: PEMBlock[] = [];
  const re = /-----BEGIN ([^-\r\n]*)-----\r?\n([\s\S]*?)-----END \1-----/g;
  for (const m of s.matchAll(re)) {
    const body = m[2]!.split(/\r?\n/).filter((l) => l !== '' && !l.includes(':')).join('');
    out.push({ type: m[1]!, der: Buffer.from(body, 'base64') });
  }
  return out;
}

/** PEMEncodePrivateKey. */
export function encodePrivateKey(key: KeyObject): string {
  switch (key.asymmetricKeyType) {
    case 'ec':
      return key.export({ type: 'sec1', format: 'pem' }) as string;
    case 'rsa':
      return key.export({ type: 'pkcs1', format: 'pem' }) as string;
    case 'ed25519':
      return pemEncode('ED25519 PRIVATE KEY', key.export({ type: 'pkcs8', format: 'der' }));
    default:
      throw new Error(`unsupported key type: ${key.asymmetricKeyType}`);
  }
}

/** PEMDecodePrivateKey: the first PEM block must be a private key. */
export function decodePrivateKey(pem: string | Uint8Array): KeyObject {
  const block = pemDecodeAll(pem)[0];
  if (!block) throw new Error('failed to decode PEM block containing private key');
  if (block.type !== 'PRIVATE KEY' && !block.type.endsWith(' PRIVATE KEY')) throw new Error(`unknown PEM header "${block.type}"`);
  for (const type of ['pkcs1', 'pkcs8', 'sec1'] as const) {
    try {
      const key = createPrivateKey({ key: block.der, format: 'der', type });
      if (['ec', 'rsa', 'ed25519'].includes(key.asymmetricKeyType ?? '')) return key;
      throw new Error(`found unknown private key type in PKCS#8 wrapping: ${key.asymmetricKeyType}`);
    } catch (err) {
      if ((err as Error).message.startsWith('found unknown')) throw err;
    }
  }
  throw new Error('unknown private key type');
}

/** The WebCrypto algorithms for a key: how to import it and how it signs (Go's defaults: SHA-256, SHA-384 for P-384). */
function algorithms(key: KeyObject): { importAlg: webcrypto.EcKeyImportParams | webcrypto.RsaHashedImportParams | webcrypto.Algorithm; signAlg: webcrypto.EcdsaParams | webcrypto.Algorithm } {
  switch (key.asymmetricKeyType) {
    case 'ec': {
      const curve = key.asymmetricKeyDetails?.namedCurve;
      const namedCurve = curve === 'prime256v1' ? 'P-256' : curve === 'secp384r1' ? 'P-384' : curve === 'secp521r1' ? 'P-521' : undefined;
      if (!namedCurve) throw new Error(`unsupported curve: ${curve}`);
      const hash = namedCurve === 'P-256' ? 'SHA-256' : namedCurve === 'P-384' ? 'SHA-384' : 'SHA-512';
      return { importAlg: { name: 'ECDSA', namedCurve }, signAlg: { name: 'ECDSA', hash } };
    }
    case 'rsa':
      return { importAlg: { name: 'RSASSA-PKCS1-v1_5', hash: 'SHA-256' }, signAlg: { name: 'RSASSA-PKCS1-v1_5', hash: 'SHA-256' } as webcrypto.Algorithm };
    case 'ed25519':
      return { importAlg: { name: 'Ed25519' }, signAlg: { name: 'Ed25519' } };
    default:
      throw new Error(`unsupported key type: ${key.asymmetricKeyType}`);
  }
}

/** The DOM's CryptoKey type, which @peculiar/x509 declares; node's is the same object under another type. */
export interface WebKeyPair {
  privateKey: CryptoKey;
  publicKey: CryptoKey;
  /** What a certificate signed by this key names as its signature algorithm. */
  signingAlgorithm: webcrypto.Algorithm;
}

/**
 * The WebCrypto form of a private key and its public half, for @peculiar/x509.
 * Through PKCS #8 / SPKI rather than KeyObject.toCryptoKey, which Node 20
 * (the system node that may run dist/tsweb.cjs) lacks.
 */
export async function webKeyPair(key: KeyObject): Promise<WebKeyPair> {
  const { importAlg, signAlg } = algorithms(key);
  const pkcs8 = key.export({ type: 'pkcs8', format: 'der' });
  const spki = createPublicKey(key).export({ type: 'spki', format: 'der' });
  const [privateKey, publicKey] = await Promise.all([
    webcrypto.subtle.importKey('pkcs8', pkcs8, importAlg, false, ['sign']),
    webcrypto.subtle.importKey('spki', spki, importAlg, true, ['verify']),
  ]);
  return { privateKey: privateKey as unknown as CryptoKey, publicKey: publicKey as unknown as CryptoKey, signingAlgorithm: signAlg };
}
