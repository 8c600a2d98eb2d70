/**
 * A certificate ready to serve (certmagic's Certificate): the PEM chain and
 * key, the names it covers (its SANs, or its CommonName when it has none),
 * its validity, and the tags a connection policy may select it by. The
 * SecureContexts made from it are memoized per connection policy, so a
 * handshake builds nothing; a renewed certificate is a new object, which is
 * how a swap leaves open connections on the old one.
 */
import { createPrivateKey, type KeyObject, X509Certificate } from 'node:crypto';
import { readFileSync } from 'node:fs';
import type { SecureContext } from 'node:tls';

export interface Certificate {
  readonly names: readonly string[];
  readonly certPEM: Buffer;
  readonly keyPEM: Buffer;
  readonly notBefore: Date;
  readonly notAfter: Date;
  readonly tags: readonly string[];
  /** Obtained and renewed by tsweb (false: loaded from the user's files or PEM). */
  readonly managed: boolean;
  /** SecureContexts by connection-policy identity. */
  readonly contexts: WeakMap<object, SecureContext>;
}

/** Names in the leaf's subjectAltName (DNS and IP), lower-cased; the CN when there are none. */
function certNames(leaf: X509Certificate): string[] {
  const out: string[] = [];
  for (const part of (leaf.subjectAltName ?? '').split(', ')) {
    const m = /^(DNS|IP Address):(.+)$/.exec(part.trim());
    if (m) out.push(m[2]!.toLowerCase());
  }
  if (out.length === 0) {
    const cn = /(?:^|\n)CN=([^\n]+)/.exec(leaf.subject)?.[1];
    if (cn) out.push(cn.toLowerCase());
  }
  return out;
}

export function makeCertificate(certPEM: Buffer, keyPEM: Buffer, opts: { tags?: readonly string[]; managed?: boolean } = {}): Certificate {
  const leaf = new X509Certificate(certPEM);
  if (!leaf.checkPrivateKey(createKey(keyPEM))) throw new Error('tls: private key does not match public key');
  return {
    names: certNames(leaf),
    certPEM,
    keyPEM,
    notBefore: new Date(leaf.validFrom),
    notAfter: new Date(leaf.validTo),
    tags: opts.tags ?? [],
    managed: opts.managed ?? false,
    contexts: new WeakMap(),
  };
}

function createKey(pem: Buffer): KeyObject {
  try {
    return createPrivateKey(pem);
  } catch (err) {
    throw new Error(`tls: failed to parse private key: ${(err as Error).message}`, { cause: err });
  }
}

/** certificates.load_files: read now, so a missing or unreadable file fails the load with its path. */
export function loadCertificateFiles(certFile: string, keyFile: string, tags: readonly string[]): Certificate {
  const read = (file: string): Buffer => {
    try {
      return readFileSync(file);
    } catch (err) {
      const e = err as NodeJS.ErrnoException;
      throw new Error(`open ${file}: ${e.code === 'ENOENT' ? 'no such file or directory' : e.code === 'EACCES' ? 'permission denied' : e.message}`, { cause: err });
    }
  };
  const cert = read(certFile);
  const key = read(keyFile);
  try {
    return makeCertificate(cert, key, { tags });
  } catch (err) {
    throw new Error(`loading certificate and key pair from ${certFile} and ${keyFile}: ${(err as Error).message}`, { cause: err });
  }
}
