import { execFileSync } from 'node:child_process';
import { X509Certificate } from 'node:crypto';
import { mkdirSync, mkdtempSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadCertResource, saveCertResource } from '../../../src/tls/cert_resource.js';
import { FileStorage } from '../../../src/tls/file_storage.js';
import { CertificateAuthority, notAfter, notBefore } from '../../../src/tls/pki/ca.js';
import { decodePrivateKey, encodePrivateKey, generateKey } from '../../../src/tls/pki/keys.js';
import { issueLeaf } from '../../../src/tls/pki/leaf.js';
import { x509 } from '../../../src/tls/pki/x509.js';

const day = 86400_000;
const tmp = () => mkdtempSync(join(tmpdir(), 'tsweb-pki-'));
const caDir = (root: string) => join(root, 'pki/authorities/local');

/** openssl verify of leaf against root with the intermediates given; returns its output. */
function opensslVerify(dir: string, rootPEM: string, chainPEM: string): string {
  const certs = chainPEM.match(/-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----\n?/g)!;
  writeFileSync(join(dir, 'v-root.pem'), rootPEM);
  writeFileSync(join(dir, 'v-leaf.pem'), certs[0]!);
  writeFileSync(join(dir, 'v-inter.pem'), certs.slice(1).join('') || rootPEM);
  return execFileSync('openssl', ['verify', '-purpose', 'sslserver', '-CAfile', join(dir, 'v-root.pem'), '-untrusted', join(dir, 'v-inter.pem'), join(dir, 'v-leaf.pem')], { encoding: 'utf8' });
}

describe('the internal CA', () => {
  it("is created once, with Caddy's names, key types and lifetimes, in Caddy's layout", async () => {
    const root = tmp();
    const ca = await CertificateAuthority.load(new FileStorage(root));
    expect(ca.rootCreated).toBe(true);
    const year = new Date().getFullYear();
    expect(ca.root.cert.subject).toBe(`CN=Caddy Local Authority - ${year} ECC Root`);
    expect(ca.root.cert.issuer).toBe(ca.root.cert.subject);
    expect(ca.intermediate.cert.subject).toBe('CN=Caddy Local Authority - ECC Intermediate');
    expect(ca.intermediate.cert.issuer).toBe(ca.root.cert.subject);
    expect(notAfter(ca.root.cert).getTime() - notBefore(ca.root.cert).getTime()).toBe(3600 * day);
    expect(notAfter(ca.intermediate.cert).getTime() - notBefore(ca.intermediate.cert).getTime()).toBe(7 * day);
    expect(ca.root.cert.ca && ca.intermediate.cert.ca).toBe(true);
    expect(ca.intermediate.cert.verify(ca.root.cert.publicKey)).toBe(true);
    expect(ca.root.cert.publicKey.asymmetricKeyDetails?.namedCurve).toBe('prime256v1');

    const rootBC = new x509.X509Certificate(ca.root.cert.raw).getExtension(x509.BasicConstraintsExtension)!;
    const interBC = new x509.X509Certificate(ca.intermediate.cert.raw).getExtension(x509.BasicConstraintsExtension)!;
    expect([rootBC.ca, rootBC.pathLength, rootBC.critical]).toEqual([true, 1, true]);
    expect([interBC.ca, interBC.pathLength]).toEqual([true, 0]);
    // 128-bit serials, as x509util makes them.
    expect(ca.root.cert.serialNumber.replace(/^00/, '').length).toBe(32);

    for (const f of ['root.crt', 'root.key', 'intermediate.crt', 'intermediate.key']) {
      expect(statSync(join(caDir(root), f)).mode & 0o777).toBe(0o600);
    }
    expect(readFileSync(join(caDir(root), 'root.key'), 'utf8')).toMatch(/^-----BEGIN EC PRIVATE KEY-----\n/);
    expect(readFileSync(join(caDir(root), 'intermediate.key'), 'utf8')).toMatch(/^-----BEGIN EC PRIVATE KEY-----\n/);
    expect(execFileSync('openssl', ['verify', '-CAfile', join(caDir(root), 'root.crt'), join(caDir(root), 'intermediate.crt')], { encoding: 'utf8' })).toMatch(/: OK/);

    const again = await CertificateAuthority.load(new FileStorage(root));
    expect(again.rootCreated).toBe(false);
    expect(again.root.cert.fingerprint256).toBe(ca.root.cert.fingerprint256);
    expect(again.intermediate.cert.fingerprint256).toBe(ca.intermediate.cert.fingerprint256);
  });

  it('is created once when several instances sharing the storage start together', async () => {
    const root = tmp();
    const cas = await Promise.all([1, 2, 3].map(() => CertificateAuthority.load(new FileStorage(root, { lockPollMs: 5 }))));
    expect(new Set(cas.map((c) => c.root.cert.fingerprint256)).size).toBe(1);
    expect(new Set(cas.map((c) => c.intermediate.cert.fingerprint256)).size).toBe(1);
    expect(cas.filter((c) => c.rootCreated).length).toBe(1);
  });

  it("takes the configured name and common names ({pki.ca.name}, {time.now.year})", async () => {
    const ca = await CertificateAuthority.load(new FileStorage(tmp()), { id: 'corp', name: 'Corp CA', rootCommonName: '{pki.ca.name} Root {time.now.year}' });
    expect(ca.root.cert.subject).toBe(`CN=Corp CA Root ${new Date().getFullYear()}`);
    expect(ca.intermediate.cert.subject).toBe('CN=Corp CA - ECC Intermediate');
    expect(ca.storage).toBeDefined();
  });

  it('renews the intermediate when a fifth of its life remains, and other instances pick the new one up', async () => {
    const root = tmp();
    const storage = new FileStorage(root);
    const ca = await CertificateAuthority.load(storage);
    const old = ca.intermediate.cert.fingerprint256;
    expect(await ca.maintain(new Date(Date.now() + 5 * day))).toBe(false);
    expect(await ca.maintain(new Date(Date.now() + 6 * day))).toBe(true);
    expect(ca.intermediate.cert.fingerprint256).not.toBe(old);
    expect(ca.intermediate.cert.verify(ca.root.cert.publicKey)).toBe(true);
    const other = await CertificateAuthority.load(new FileStorage(root));
    expect(other.intermediate.cert.fingerprint256).toBe(ca.intermediate.cert.fingerprint256);
    expect(other.root.cert.fingerprint256).toBe(ca.root.cert.fingerprint256);
  });

  it('replaces an intermediate whose key does not match its certificate', async () => {
    const root = tmp();
    const first = await CertificateAuthority.load(new FileStorage(root));
    writeFileSync(join(caDir(root), 'intermediate.key'), encodePrivateKey(generateKey()));
    const ca = await CertificateAuthority.load(new FileStorage(root));
    expect(ca.intermediate.cert.fingerprint256).not.toBe(first.intermediate.cert.fingerprint256);
    expect(ca.root.cert.fingerprint256).toBe(first.root.cert.fingerprint256);
  });
});

describe('leaf certificates from the internal CA', () => {
  it('names DNS names, wildcards and IPs in a critical SAN, lives 12 hours, and verifies to the root', async () => {
    const root = tmp();
    const ca = await CertificateAuthority.load(new FileStorage(root));
    const leaf = await issueLeaf(ca, { names: ['localhost', '*.example.test', '127.0.0.1', '::1', 'bücher.test'] });
    const certs = leaf.certificatePEM.toString().match(/-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----/g)!;
    expect(certs.length).toBe(2);
    const cert = new X509Certificate(certs[0]!);
    expect(cert.subject ?? '').toBe('');
    expect(cert.subjectAltName).toBe('DNS:localhost, DNS:*.example.test, IP Address:127.0.0.1, IP Address:0:0:0:0:0:0:0:1, DNS:xn--bcher-kva.test');
    expect(cert.ca).toBe(false);
    expect(cert.keyUsage).toEqual(['1.3.6.1.5.5.7.3.1', '1.3.6.1.5.5.7.3.2']);
    expect(cert.checkHost('localhost')).toBe('localhost');
    expect(cert.checkHost('a.example.test')).toBe('*.example.test');
    expect(cert.checkIP('::1')).toBe('::1');
    expect(cert.verify(ca.intermediate.cert.publicKey)).toBe(true);
    expect(cert.checkPrivateKey(decodePrivateKey(leaf.privateKeyPEM))).toBe(true);
    expect(leaf.privateKeyPEM.toString()).toMatch(/^-----BEGIN EC PRIVATE KEY-----/);
    expect(notAfter(cert).getTime() - notBefore(cert).getTime()).toBe(12 * 3600_000);
    expect(leaf.notAfter.getTime() - leaf.notBefore.getTime()).toBe(12 * 3600_000);
    const san = new x509.X509Certificate(cert.raw).getExtension(x509.SubjectAlternativeNameExtension)!;
    expect(san.critical).toBe(true);
    expect(opensslVerify(root, ca.root.pem, leaf.certificatePEM.toString())).toMatch(/: OK/);
  });

  it('takes a lifetime, clamps it to the issuer, signs with the root on request, and other key types', async () => {
    const root = tmp();
    const ca = await CertificateAuthority.load(new FileStorage(root));
    const short = await issueLeaf(ca, { names: ['a.test'], lifetimeMs: 3600_000 });
    expect(short.notAfter.getTime() - short.notBefore.getTime()).toBe(3600_000);
    const long = await issueLeaf(ca, { names: ['a.test'], lifetimeMs: 30 * day });
    expect(long.notAfter.getTime()).toBeLessThanOrEqual(notAfter(ca.intermediate.cert).getTime());
    const byRoot = await issueLeaf(ca, { names: ['a.test'], signWithRoot: true });
    expect(opensslVerify(root, ca.root.pem, byRoot.certificatePEM.toString())).toMatch(/: OK/);
    for (const keyType of ['p384', 'ed25519', 'rsa2048'] as const) {
      const leaf = await issueLeaf(ca, { names: ['k.test'], keyType });
      expect(leaf.key.asymmetricKeyType).toBe(keyType === 'p384' ? 'ec' : keyType === 'ed25519' ? 'ed25519' : 'rsa');
      expect(opensslVerify(root, ca.root.pem, leaf.certificatePEM.toString())).toMatch(/: OK/);
      expect(decodePrivateKey(leaf.privateKeyPEM).asymmetricKeyType).toBe(leaf.key.asymmetricKeyType);
    }
  });

  it("is saved as certmagic saves a certificate resource", async () => {
    const root = tmp();
    const storage = new FileStorage(root);
    const ca = await CertificateAuthority.load(storage);
    const leaf = await issueLeaf(ca, { names: ['*.example.test'] });
    await saveCertResource(storage, 'local', leaf);
    const dir = join(root, 'certificates/local/wildcard_.example.test');
    expect(readFileSync(join(dir, 'wildcard_.example.test.json'), 'utf8')).toBe('{\n\t"sans": [\n\t\t"*.example.test"\n\t],\n\t"issuer_data": null\n}');
    expect(readFileSync(join(dir, 'wildcard_.example.test.crt')).equals(leaf.certificatePEM)).toBe(true);
    expect(readFileSync(join(dir, 'wildcard_.example.test.key')).equals(leaf.privateKeyPEM)).toBe(true);
    const back = await loadCertResource(storage, 'local', '*.example.test');
    expect(back.sans).toEqual(['*.example.test']);
    expect(back.issuerData).toBeNull();
  });
});

describe('a data directory made by Caddy', () => {
  /** What Caddy leaves in ~/.local/share/caddy, made with openssl the way Caddy names things. */
  function caddyDataDir(keyFormat: 'sec1' | 'pkcs8'): string {
    const root = tmp();
    const dir = caDir(root);
    mkdirSync(dir, { recursive: true });
    const sh = (args: string[]) => execFileSync('openssl', args, { cwd: dir, stdio: 'pipe' });
    const genkey = (out: string) => {
      if (keyFormat === 'sec1') sh(['ecparam', '-name', 'prime256v1', '-genkey', '-noout', '-out', out]);
      else sh(['genpkey', '-algorithm', 'EC', '-pkeyopt', 'ec_paramgen_curve:P-256', '-out', out]);
    };
    genkey('root.key');
    sh(['req', '-x509', '-new', '-key', 'root.key', '-subj', '/CN=Caddy Local Authority - 2024 ECC Root', '-days', '3600', '-out', 'root.crt',
      '-addext', 'basicConstraints=critical,CA:TRUE,pathlen:1', '-addext', 'keyUsage=critical,keyCertSign,cRLSign']);
    genkey('intermediate.key');
    sh(['req', '-new', '-key', 'intermediate.key', '-subj', '/CN=Caddy Local Authority - ECC Intermediate', '-out', 'inter.csr']);
    writeFileSync(join(dir, 'inter.ext'), 'basicConstraints=critical,CA:TRUE,pathlen:0\nkeyUsage=critical,keyCertSign,cRLSign\n');
    sh(['x509', '-req', '-in', 'inter.csr', '-CA', 'root.crt', '-CAkey', 'root.key', '-CAcreateserial', '-days', '7', '-extfile', 'inter.ext', '-out', 'intermediate.crt']);
    execFileSync('rm', ['inter.csr', 'inter.ext', 'root.srl'], { cwd: dir });
    return root;
  }

  for (const keyFormat of ['sec1', 'pkcs8'] as const) {
    it(`is used as is: Caddy's root and intermediate sign tsweb's leaves (${keyFormat === 'sec1' ? 'EC PRIVATE KEY' : 'PRIVATE KEY'})`, async () => {
      const root = caddyDataDir(keyFormat);
      const rootPEM = readFileSync(join(caDir(root), 'root.crt'), 'utf8');
      const interPEM = readFileSync(join(caDir(root), 'intermediate.crt'), 'utf8');
      const ca = await CertificateAuthority.load(new FileStorage(root));
      expect(ca.rootCreated).toBe(false);
      expect(ca.root.pem).toBe(rootPEM);
      expect(ca.intermediate.cert.fingerprint256).toBe(new X509Certificate(interPEM).fingerprint256);
      const leaf = await issueLeaf(ca, { names: ['localhost'] });
      expect(opensslVerify(root, rootPEM, leaf.certificatePEM.toString())).toMatch(/: OK/);
      expect(readFileSync(join(caDir(root), 'intermediate.crt'), 'utf8')).toBe(interPEM);
    });
  }

  it("reads Caddy's stored certificates and their metadata", async () => {
    const root = caddyDataDir('sec1');
    const ca = await CertificateAuthority.load(new FileStorage(root));
    const leaf = await issueLeaf(ca, { names: ['localhost'] });
    const dir = join(root, 'certificates/acme-v02.api.letsencrypt.org-directory/wildcard_.example.com');
    mkdirSync(dir, { recursive: true });
    writeFileSync(join(dir, 'wildcard_.example.com.crt'), leaf.certificatePEM);
    writeFileSync(join(dir, 'wildcard_.example.com.key'), leaf.privateKeyPEM);
    const meta = '{\n\t"sans": [\n\t\t"*.example.com"\n\t],\n\t"issuer_data": {\n\t\t"url": "https://acme-v02.api.letsencrypt.org/acme/cert/abc",\n\t\t"ca": "https://acme-v02.api.letsencrypt.org/directory"\n\t}\n}';
    writeFileSync(join(dir, 'wildcard_.example.com.json'), meta);
    const res = await loadCertResource(new FileStorage(root), 'acme-v02.api.letsencrypt.org-directory', '*.example.com');
    expect(res.sans).toEqual(['*.example.com']);
    expect(res.issuerData).toEqual({ url: 'https://acme-v02.api.letsencrypt.org/acme/cert/abc', ca: 'https://acme-v02.api.letsencrypt.org/directory' });
    expect(decodePrivateKey(res.privateKeyPEM).asymmetricKeyType).toBe('ec');
  });
});
