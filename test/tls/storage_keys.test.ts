import { describe, expect, it } from 'vitest';
import { challengeKey, reverseAddr } from '../../src/tls/challenges.js';
import { dataDir, storageFromConfig } from '../../src/tls/data_dir.js';
import { FileStorage } from '../../src/tls/file_storage.js';
import * as keys from '../../src/tls/storage_keys.js';

describe("certmagic's storage keys", () => {
  it('Safe()s names: wildcards, ports, plus, spaces, traversal, other characters', () => {
    expect(keys.safe('*.Example.COM')).toBe('wildcard_.example.com');
    expect(keys.safe(' a b ')).toBe('a_b');
    expect(keys.safe('127.0.0.1:14000')).toBe('127.0.0.1-14000');
    expect(keys.safe('x+y')).toBe('x_plus_y');
    expect(keys.safe('../../etc/passwd')).toBe('etcpasswd');
    expect(keys.safe('me@example.com')).toBe('me@example.com');
    expect(keys.safe('a/b\\c?é')).toBe('abc');
    expect(keys.safe(keys.safe('*.Ex..ample.com'))).toBe(keys.safe('*.Ex..ample.com'));
  });

  it("derives ACME issuer keys from the directory URL as ACMEIssuer.issuerKey", () => {
    expect(keys.acmeIssuerKey('https://acme-v02.api.letsencrypt.org/directory')).toBe('acme-v02.api.letsencrypt.org-directory');
    expect(keys.acmeIssuerKey('https://acme-staging-v02.api.letsencrypt.org/directory')).toBe('acme-staging-v02.api.letsencrypt.org-directory');
    expect(keys.acmeIssuerKey('https://acme.zerossl.com/v2/DV90')).toBe('acme.zerossl.com-v2-DV90');
    expect(keys.acmeIssuerKey('https://127.0.0.1:14000/dir')).toBe('127.0.0.1:14000-dir');
    expect(keys.certsPrefix(keys.acmeIssuerKey('https://acme.zerossl.com/v2/DV90'))).toBe('certificates/acme.zerossl.com-v2-dv90');
    expect(keys.internalIssuerKey()).toBe('local');
  });

  it('builds the certificate, account, challenge, OCSP and CA keys', () => {
    const le = 'acme-v02.api.letsencrypt.org-directory';
    expect(keys.siteCert(le, '*.example.com')).toBe(`certificates/${le}/wildcard_.example.com/wildcard_.example.com.crt`);
    expect(keys.sitePrivateKey('local', 'localhost')).toBe('certificates/local/localhost/localhost.key');
    expect(keys.siteMeta('local', '127.0.0.1')).toBe('certificates/local/127.0.0.1/127.0.0.1.json');
    expect(keys.acmeUserReg(le, 'Me@Example.com')).toBe(`acme/${le}/users/me@example.com/me.json`);
    expect(keys.acmeUserPrivateKey(le, '')).toBe(`acme/${le}/users/default/default.key`);
    expect(keys.challengeTokensKey(le, 'www.example.com')).toBe(`acme/${le}/challenge_tokens/www.example.com.json`);
    expect(keys.pkiRootCert('local')).toBe('pki/authorities/local/root.crt');
    expect(keys.pkiIntermediateKey('local')).toBe('pki/authorities/local/intermediate.key');
    expect(keys.fnv32a('')).toBe('811c9dc5');
    expect(keys.fnv32a('a')).toBe('e40c292c');
    expect(keys.ocspStaple('*.example.com', 'a')).toBe('ocsp/wildcard_.example.com-e40c292c');
    expect(keys.namesKey(['b.example', 'a.example'])).toBe('a.example,b.example');
    expect(keys.namesKey(['x'.repeat(2000)])).toMatch(/^x{1018}_trunc$/);
    expect(keys.certIssueLockName('example.com')).toBe('issue_cert_example.com');
  });

  it('names TLS-ALPN challenges for IPs by their reverse name', () => {
    expect(reverseAddr('127.0.0.1')).toBe('1.0.0.127.in-addr.arpa');
    expect(reverseAddr('2001:db8::1')).toBe('1.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.8.b.d.0.1.0.0.2.ip6.arpa');
    expect(challengeKey({ type: 'tls-alpn-01', identifier: { type: 'ip', value: '10.0.0.2' } })).toBe('2.0.0.10.in-addr.arpa');
    expect(challengeKey({ type: 'http-01', identifier: { type: 'ip', value: '10.0.0.2' } })).toBe('10.0.0.2');
  });
});

describe('the data directory', () => {
  it('is $XDG_DATA_HOME/tsweb, else ~/.local/share/tsweb', () => {
    expect(dataDir({ XDG_DATA_HOME: '/x', HOME: '/home/u' }, 'linux')).toBe('/x/tsweb');
    expect(dataDir({ HOME: '/home/u' }, 'linux')).toBe('/home/u/.local/share/tsweb');
    expect(dataDir({ HOME: '/Users/u' }, 'darwin')).toBe('/Users/u/Library/Application Support/tsweb');
    expect(dataDir({}, 'linux')).toBe('./tsweb');
  });

  it('is replaced by `storage file_system { root DIR }`', () => {
    const d = storageFromConfig(undefined, { XDG_DATA_HOME: '/x' });
    expect((d as FileStorage).root).toBe('/x/tsweb');
    expect((storageFromConfig({ module: 'file_system', root: '/data' }, {}) as FileStorage).root).toBe('/data');
    expect(() => storageFromConfig({ module: 'redis' }, {})).toThrow('unknown module: caddy.storage.redis');
    expect(() => storageFromConfig({ module: 'file_system', rooot: '/x' }, {})).toThrow('unknown field "rooot"');
  });
});
