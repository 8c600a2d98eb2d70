import { describe, expect, it } from 'vitest';
import { errorOf, newState, runDirectives } from './tlsutil.js';

// Inputs partly come from Caddy's caddyfile_adapt tests (Apache-2.0).

const site = (body: string) => `example.com {\n${body}\n}`;
const byClass = (vals: { class: string; value: unknown }[], cls: string) =>
  vals.filter((v) => v.class === cls).map((v) => v.value);

describe('tls directive: config values', () => {
  it('internal issuer', () => {
    const vals = runDirectives(site('tls internal'));
    expect(byClass(vals, 'tls.cert_issuer')).toEqual([{ module: 'internal' }]);
    expect(byClass(vals, 'tls.connection_policy')).toEqual([{}]);
  });

  it('an email makes both default ACME issuers', () => {
    expect(byClass(runDirectives(site('tls abc@example.com')), 'tls.cert_issuer')).toEqual([
      { module: 'acme', email: 'abc@example.com' },
      { module: 'acme', email: 'abc@example.com', ca: 'https://acme.zerossl.com/v2/DV90' },
    ]);
  });

  it('an explicit CA replaces the default issuers', () => {
    expect(byClass(runDirectives(site('tls {\n ca https://foobar\n }')), 'tls.cert_issuer')).toEqual([
      { module: 'acme', ca: 'https://foobar' },
    ]);
  });

  it('cert and key files are tagged once per file across sites', () => {
    const vals = runDirectives('a.com {\n tls a.pem a.key\n}\nb.com {\n tls b.pem b.key\n}\nc.com {\n tls a.pem a.key\n}');
    expect(byClass(vals, 'tls.cert_loader')).toEqual([
      { load_files: [{ certificate: 'a.pem', key: 'a.key', tags: ['cert0'] }] },
      { load_files: [{ certificate: 'b.pem', key: 'b.key', tags: ['cert1'] }] },
    ]);
    expect(byClass(vals, 'tls.connection_policy')).toEqual([
      { certificate_selection: { any_tag: ['cert0'] } },
      { certificate_selection: { any_tag: ['cert1'] } },
      { certificate_selection: { any_tag: ['cert0'] } },
    ]);
  });

  it('connection policy options in Caddy field order', () => {
    const [cp] = byClass(
      runDirectives(
        site(
          'tls {\n protocols tls1.2 tls1.3\n ciphers TLS_AES_128_GCM_SHA256\n curves x25519\n alpn h2\n insecure_secrets_log /tmp/k\n }',
        ),
      ),
      'tls.connection_policy',
    );
    expect(cp).toEqual({
      cipher_suites: ['TLS_AES_128_GCM_SHA256'],
      curves: ['x25519'],
      alpn: ['h2'],
      protocol_min: 'tls1.2',
      protocol_max: 'tls1.3',
      insecure_secrets_log: '/tmp/k',
    });
    expect(Object.keys(cp as object)).toEqual(['cipher_suites', 'curves', 'alpn', 'protocol_min', 'protocol_max', 'insecure_secrets_log']);
  });

  it('flags and policy values', () => {
    const vals = runDirectives(
      site('tls {\n on_demand\n key_type rsa2048\n reuse_private_keys\n force_automate\n renewal_window_ratio 0.25\n }'),
    );
    expect(byClass(vals, 'tls.on_demand')).toEqual([true]);
    expect(byClass(vals, 'tls.key_type')).toEqual(['rsa2048']);
    expect(byClass(vals, 'tls.reuse_private_keys')).toEqual([true]);
    expect(byClass(vals, 'tls.force_automate')).toEqual([true]);
    expect(byClass(vals, 'tls.renewal_window_ratio')).toEqual([0.25]);
  });

  it('DNS challenge settings go into the implicit ACME issuer', () => {
    const [iss] = byClass(
      runDirectives(site('tls {\n dns mock\n propagation_delay 5m10s\n propagation_timeout -1\n resolvers 8.8.8.8\n dns_ttl 1m\n }')),
      'tls.cert_issuer',
    );
    expect(iss).toEqual({
      module: 'acme',
      challenges: {
        dns: { provider: { name: 'mock' }, propagation_delay: 310e9, propagation_timeout: -1, resolvers: ['8.8.8.8'], ttl: 60e9 },
      },
    });
  });

  it('explicit issuers: acme with options, zerossl with CNAME validation', () => {
    const vals = runDirectives(
      site('tls {\n issuer acme {\n dns_ttl 5m10s\n preferred_chains {\n any_common_name "Generic CA 1"\n }\n }\n issuer zerossl api_key {\n dns_ttl 10m20s\n }\n }'),
    );
    expect(byClass(vals, 'tls.cert_issuer')).toEqual([
      { module: 'acme', challenges: { dns: { ttl: 310e9 } }, preferred_chains: { any_common_name: ['Generic CA 1'] } },
      { module: 'zerossl', api_key: 'api_key', cname_validation: { ttl: 620e9 } },
    ]);
  });

  it('get_certificate managers', () => {
    expect(byClass(runDirectives(site('tls {\n get_certificate http http://foo.com/get\n }')), 'tls.cert_manager')).toEqual([
      { via: 'http', url: 'http://foo.com/get' },
    ]);
  });

  it('client_auth with trust pools and verifiers', () => {
    const [cp] = byClass(
      runDirectives(
        site(
          'tls {\n client_auth {\n mode require_and_verify\n trust_pool combined {\n source inline {\n trust_der AAAA\n }\n source pki_root {\n authority local\n }\n }\n verifier leaf {\n folder ../\n }\n }\n }',
        ),
      ),
      'tls.connection_policy',
    );
    expect(cp).toEqual({
      client_authentication: {
        ca: {
          provider: 'combined',
          sources: [
            { provider: 'inline', trusted_ca_certs: ['AAAA'] },
            { authority: ['local'], provider: 'pki_root' },
          ],
        },
        verifiers: [{ leaf_certs_loaders: [{ folders: ['../'], loader: 'folder' }], verifier: 'leaf' }],
        mode: 'require_and_verify',
      },
    });
  });

  it('a DNS tuning option is fine when acme_dns is set globally', () => {
    const vals = runDirectives(site('tls {\n propagation_delay 30s\n }'), newState({ acme_dns: null }));
    expect(byClass(vals, 'tls.cert_issuer')).toEqual([{ module: 'acme', challenges: { dns: { propagation_delay: 30e9 } } }]);
  });
});

describe('tls directive: errors', () => {
  const cases: [string, string, string][] = [
    ['naked', 'tls', 'Wrong argument count'],
    ['bad single arg', 'tls foo', "single argument must either be 'internal', 'force_automate', or an email address"],
    ['three args', 'tls a b c', 'Wrong argument count'],
    ['unknown sub', 'tls {\n color blue\n }', 'unknown subdirective: color'],
    ['bad protocol', 'tls {\n protocols tls1.0\n }', "wrong protocol name or protocol not supported: 'tls1.0'"],
    ['bad cipher', 'tls {\n ciphers RC4\n }', "wrong cipher suite name or cipher suite not supported: 'RC4'"],
    ['bad curve', 'tls {\n curves p1\n }', "Wrong curve name or curve not supported: 'p1'"],
    ['mixing issuers', 'tls {\n issuer internal\n ca https://x\n }', 'cannot mix issuer subdirective'],
    ['acme and internal', 'tls internal {\n ca https://x\n }', 'cannot create both ACME and internal certificate issuers'],
    [
      'dns tuning without provider',
      'tls {\n propagation_delay 10s\n dns_ttl 5m\n }',
      "setting DNS challenge options [propagation_delay, dns_ttl] requires a DNS provider (set with the 'dns' subdirective or 'acme_dns' global option), at Caddyfile:5",
    ],
    ['bad duration', 'tls {\n dns mock\n propagation_delay soon\n }', 'invalid propagation_delay duration soon'],
    ['unknown issuer', 'tls {\n issuer nope\n }', 'module not registered: tls.issuance.nope'],
    ['client_auth unknown', 'tls {\n client_auth {\n foo\n }\n }', 'unknown subdirective for client_auth: foo'],
    ['missing CA file', 'tls {\n client_auth {\n trusted_ca_cert_file /nonexistent.pem\n }\n }', 'open /nonexistent.pem'],
    ['ratio out of range', 'tls {\n renewal_window_ratio 2\n }', 'renewal_window_ratio must be between 0 and 1'],
  ];
  it.each(cases)('%s', (_name, body, want) => {
    expect(errorOf(() => runDirectives(site(body)))).toContain(want);
  });
});
