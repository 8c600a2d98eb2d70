/**
 * The internal certificate authority (caddypki ca.go, certificates.go,
 * maintain.go): a root and an intermediate, made once and kept in storage
 * under pki/authorities/<id>/, where Caddy keeps its own — a Caddy data
 * directory's CA is used as is, and one made here works in Caddy.
 *
 * As Caddy makes them (smallstep's x509util templates):
 *   root          ECDSA P-256, CN "Caddy Local Authority - <year> ECC Root",
 *                 3600 days, CA with path length 1, keyCertSign + cRLSign
 *   intermediate  ECDSA P-256, CN "Caddy Local Authority - ECC Intermediate",
 *                 7 days, CA with path length 0, signed by the root
 * both with a 128-bit random serial and a subject key id; the intermediate
 * is renewed once 20% of its lifetime remains (the root never is, as in Caddy).
 *
 * Creation and renewal run under the storage lock `pki_ca_<id>` and re-read
 * storage once locked, so instances sharing storage make one CA, not several.
 */
import { createPublicKey, randomBytes, X509Certificate, type KeyObject } from 'node:crypto';
import { isNotExist, type Storage, withLock } from '../storage.js';
import { pkiIntermediateCert, pkiIntermediateKey, pkiLockName, pkiRootCert, pkiRootKey } from '../storage_keys.js';
import { decodePrivateKey, encodePrivateKey, generateKey, pemDecodeAll, pemEncode, webKeyPair } from './keys.js';
import { x509 } from './x509.js';

const hour = 3600_000;
const day = 24 * hour;

export const defaultCAID = 'local';
export const defaultCAName = 'Caddy Local Authority';
export const defaultRootCommonName = '{pki.ca.name} - {time.now.year} ECC Root';
export const defaultIntermediateCommonName = '{pki.ca.name} - ECC Intermediate';
export const defaultRootLifetimeMs = 3600 * day;
export const defaultIntermediateLifetimeMs = 7 * day;
export const defaultRenewalWindowRatio = 0.2;

/** caddypki.CA's settings (the pki app's `certificate_authorities.<id>`); unset fields take Caddy's defaults. */
export interface CAConfig {
  id?: string;
  /** `name`: shown in the certificates' names through {pki.ca.name}. */
  name?: string;
  /** `root_common_name`; `{pki.ca.name}` and `{time.now.year}` are replaced. */
  rootCommonName?: string;
  /** `intermediate_common_name`. */
  intermediateCommonName?: string;
  /** `intermediate_lifetime`. */
  intermediateLifetimeMs?: number;
  /** `renewal_window_ratio`: renew the intermediate when this fraction of its lifetime remains. */
  renewalWindowRatio?: number;
}

/** A certificate as the CA holds it: PEM for serving and trust stores, parsed for its fields. */
export interface CACert {
  pem: string;
  cert: X509Certificate;
}

/** X509Certificate.validFromDate/validToDate are Node 22.10+; the strings are OpenSSL's, which Date reads. */
export const notBefore = (cert: X509Certificate): Date => (cert.validFromDate as Date | undefined) ?? new Date(cert.validFrom);
export const notAfter = (cert: X509Certificate): Date => (cert.validToDate as Date | undefined) ?? new Date(cert.validTo);

function parseCertPEM(pem: string): CACert {
  return { pem, cert: new X509Certificate(pem) };
}

/** pemDecodeCertificateChain: every CERTIFICATE block, in order. */
export function parseCertChain(pem: string | Uint8Array): CACert[] {
  const blocks = pemDecodeAll(pem).filter((b) => b.type === 'CERTIFICATE');
  if (blocks.length === 0) throw new Error('failed parsing certificate chain: no certificates found');
  return blocks.map((b) => parseCertPEM(pemEncode('CERTIFICATE', b.der)));
}

/** 128 random bits (x509util's generateSerialNumber); the library keeps the DER INTEGER positive. */
export function randomSerial(): string {
  const b = randomBytes(16);
  // A leading zero byte would be dropped from the INTEGER; keep 16 significant bytes.
  if (b[0] === 0) b[0] = 1;
  return b.toString('hex');
}

function expand(template: string, name: string, now: Date): string {
  return template.replaceAll('{pki.ca.name}', name).replaceAll('{time.now.year}', String(now.getFullYear()));
}

/** Caddy truncates CA validity starts to the second. */
const truncSecond = (d: Date): Date => new Date(Math.floor(d.getTime() / 1000) * 1000);

async function makeCACert(opts: {
  commonName: string;
  key: KeyObject;
  issuer?: { cert: X509Certificate; key: KeyObject };
  pathLen: number;
  now: Date;
  lifetimeMs: number;
}): Promise<string> {
  const subjectPair = await webKeyPair(opts.key);
  const signer = opts.issuer ? await webKeyPair(opts.issuer.key) : subjectPair;
  const notBefore = truncSecond(opts.now);
  const extensions: x509.Extension[] = [
    new x509.KeyUsagesExtension(x509.KeyUsageFlags.keyCertSign | x509.KeyUsageFlags.cRLSign, true),
    new x509.BasicConstraintsExtension(true, opts.pathLen, true),
    await x509.SubjectKeyIdentifierExtension.create(subjectPair.publicKey),
  ];
  // Go adds an authority key id only when issuer and subject differ.
  if (opts.issuer) extensions.push(await x509.AuthorityKeyIdentifierExtension.create(new x509.X509Certificate(opts.issuer.cert.raw)));
  const subject = new x509.Name([{ CN: [opts.commonName] }]).toString();
  const cert = await x509.X509CertificateGenerator.create({
    serialNumber: randomSerial(),
    subject,
    issuer: opts.issuer ? new x509.X509Certificate(opts.issuer.cert.raw).subject : subject,
    notBefore,
    notAfter: new Date(notBefore.getTime() + opts.lifetimeMs),
    publicKey: subjectPair.publicKey,
    signingKey: signer.privateKey,
    signingAlgorithm: signer.signingAlgorithm,
    extensions,
  });
  return cert.toString('pem') + '\n';
}

export class CertificateAuthority {
  /** True when this load made the root (a new CA: the moment Caddy installs it into trust stores). */
  rootCreated = false;

  private constructor(
    readonly storage: Storage,
    readonly id: string,
    readonly name: string,
    private readonly cfg: Required<Omit<CAConfig, 'id' | 'name'>>,
    public root: CACert,
    public intermediateChain: CACert[],
    public intermediateKey: KeyObject,
  ) {}

  /**
   * The CA `id` from storage, made (root, then intermediate) if absent: CA.Provision
   * plus the first maintenance pass, so an expiring intermediate is renewed now.
   */
  static async load(storage: Storage, config: CAConfig = {}, now: () => Date = () => new Date()): Promise<CertificateAuthority> {
    const id = config.id ?? defaultCAID;
    const name = config.name ?? defaultCAName;
    const cfg = {
      rootCommonName: config.rootCommonName ?? defaultRootCommonName,
      intermediateCommonName: config.intermediateCommonName ?? defaultIntermediateCommonName,
      intermediateLifetimeMs: config.intermediateLifetimeMs ?? defaultIntermediateLifetimeMs,
      renewalWindowRatio:
        config.renewalWindowRatio !== undefined && config.renewalWindowRatio > 0 && config.renewalWindowRatio <= 1
          ? config.renewalWindowRatio
          : defaultRenewalWindowRatio,
    };
    let loaded = await tryLoad(storage, id);
    let rootCreated = false;
    if (!loaded) {
      ({ loaded, rootCreated } = await withLock(storage, pkiLockName(id), () => loadOrCreate(storage, id, name, cfg, now())));
    }
    const { root, inter, interKey } = loaded;
    const remaining = notAfter(root.cert).getTime() - now().getTime();
    if (cfg.intermediateLifetimeMs >= remaining) {
      throw new Error(`intermediate certificate lifetime must be less than actual root certificate lifetime (${Math.max(0, remaining / 1000)}s)`);
    }
    const ca = new CertificateAuthority(storage, id, name, cfg, root, inter, interKey);
    ca.rootCreated = rootCreated;
    await ca.maintain(now());
    return ca;
  }

  /** The certificate that signs leaves. */
  get intermediate(): CACert {
    return this.intermediateChain[0]!;
  }

  /** The root's key, read from storage when needed rather than kept in memory (CA.RootKey). */
  async rootKey(): Promise<KeyObject> {
    return decodePrivateKey(await this.storage.load(pkiRootKey(this.id)));
  }

  /** Whether cert is within its renewal window: no more than renewalWindowRatio of its lifetime left. */
  needsRenewal(cert: X509Certificate, now: Date = new Date()): boolean {
    const from = notBefore(cert).getTime();
    const to = notAfter(cert).getTime();
    return now.getTime() > to - (to - from) * this.cfg.renewalWindowRatio;
  }

  /**
   * One maintenance pass (renewCertsForCA): renews the intermediate when it
   * is due. Under the lock, storage is read again first — another instance
   * may already have renewed it. True when the intermediate changed.
   */
  async maintain(now: Date = new Date()): Promise<boolean> {
    if (!this.needsRenewal(this.intermediate.cert, now)) return false;
    return withLock(this.storage, pkiLockName(this.id), async () => {
      const current = await tryLoad(this.storage, this.id);
      if (current && current.inter[0]!.cert.fingerprint256 !== this.intermediate.cert.fingerprint256 && !this.needsRenewal(current.inter[0]!.cert, now)) {
        this.intermediateChain = current.inter;
        this.intermediateKey = current.interKey;
        return true;
      }
      const { chain, key } = await genIntermediate(this.storage, this.id, this.name, this.cfg, this.root, await this.rootKey(), now);
      this.intermediateChain = chain;
      this.intermediateKey = key;
      return true;
    });
  }
}

interface Loaded {
  root: CACert;
  inter: CACert[];
  interKey: KeyObject;
}

async function loadOptional(storage: Storage, key: string): Promise<Buffer | undefined> {
  try {
    return await storage.load(key);
  } catch (err) {
    if (isNotExist(err)) return undefined;
    throw err;
  }
}

/** Everything from storage, or undefined if the root or intermediate certificate is missing. */
async function tryLoad(storage: Storage, id: string): Promise<Loaded | undefined> {
  const rootPEM = await loadOptional(storage, pkiRootCert(id));
  const interPEM = await loadOptional(storage, pkiIntermediateCert(id));
  if (!rootPEM || !interPEM) return undefined;
  const inter = await loadIntermediate(storage, id, interPEM);
  return inter && { root: decodeRoot(rootPEM), ...inter };
}

/**
 * The stored intermediate, or undefined when its key is not the one its
 * certificate names: a renewal cut short between the two writes, which the
 * next creation pass repairs by making a new one.
 */
async function loadIntermediate(storage: Storage, id: string, pem: Buffer): Promise<{ inter: CACert[]; interKey: KeyObject } | undefined> {
  const inter = parseCertChain(pem);
  const interKey = await loadKey(storage, pkiIntermediateKey(id), 'intermediate');
  const der = (k: KeyObject) => k.export({ type: 'spki', format: 'der' });
  if (!der(createPublicKey(interKey)).equals(der(inter[0]!.cert.publicKey))) return undefined;
  return { inter, interKey };
}

function decodeRoot(pem: Buffer): CACert {
  const blocks = pemDecodeAll(pem);
  if (blocks.length !== 1) throw new Error(`parsing root certificate PEM: ${blocks.length === 0 ? 'no PEM block found' : 'input contained more than a single PEM block'}`);
  if (blocks[0]!.type !== 'CERTIFICATE') throw new Error(`parsing root certificate PEM: expected PEM block type to be CERTIFICATE, but got '${blocks[0]!.type}'`);
  return parseCertPEM(pem.toString('latin1'));
}

async function loadKey(storage: Storage, key: string, what: string): Promise<KeyObject> {
  let pem: Buffer;
  try {
    pem = await storage.load(key);
  } catch (err) {
    throw new Error(`loading ${what} key: ${(err as Error).message}`, { cause: err });
  }
  try {
    return decodePrivateKey(pem);
  } catch (err) {
    throw new Error(`decoding ${what} key: ${(err as Error).message}`, { cause: err });
  }
}

type Settings = Required<Omit<CAConfig, 'id' | 'name'>>;

/** loadOrGenRoot + loadOrGenIntermediate, run under the CA's lock. A new root always gets a new intermediate. */
async function loadOrCreate(storage: Storage, id: string, name: string, cfg: Settings, now: Date): Promise<{ loaded: Loaded; rootCreated: boolean }> {
  const rootPEM = await loadOptional(storage, pkiRootCert(id));
  let root: CACert;
  let rootKey: KeyObject;
  let rootCreated = false;
  if (rootPEM) {
    root = decodeRoot(rootPEM);
    rootKey = await loadKey(storage, pkiRootKey(id), 'root');
  } else {
    rootKey = generateKey('p256');
    const pem = await makeCACert({ commonName: expand(cfg.rootCommonName, name, now), key: rootKey, pathLen: 1, now, lifetimeMs: defaultRootLifetimeMs });
    // The key first: a certificate in storage means its key is there too.
    await storage.store(pkiRootKey(id), encodePrivateKey(rootKey));
    await storage.store(pkiRootCert(id), pem);
    root = parseCertPEM(pem);
    rootCreated = true;
  }
  const interPEM = rootCreated ? undefined : await loadOptional(storage, pkiIntermediateCert(id));
  const inter = interPEM && (await loadIntermediate(storage, id, interPEM));
  if (inter) return { loaded: { root, ...inter }, rootCreated };
  const { chain, key } = await genIntermediate(storage, id, name, cfg, root, rootKey, now);
  return { loaded: { root, inter: chain, interKey: key }, rootCreated };
}

async function genIntermediate(
  storage: Storage,
  id: string,
  name: string,
  cfg: Settings,
  root: CACert,
  rootKey: KeyObject,
  now: Date,
): Promise<{ chain: CACert[]; key: KeyObject }> {
  const key = generateKey('p256');
  const pem = await makeCACert({
    commonName: expand(cfg.intermediateCommonName, name, now),
    key,
    issuer: { cert: root.cert, key: rootKey },
    pathLen: 0,
    now,
    lifetimeMs: cfg.intermediateLifetimeMs,
  });
  await storage.store(pkiIntermediateKey(id), encodePrivateKey(key));
  await storage.store(pkiIntermediateCert(id), pem);
  return { chain: [parseCertPEM(pem)], key };
}
