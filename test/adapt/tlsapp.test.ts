import { describe, expect, it } from 'vitest';
import type { Pairing, SiteAddress, SiteBlock } from '../../src/adapt/pairing.js';
import { buildPKIApp, buildTLSApp } from '../../src/adapt/tlsapp.js';
import type { ConfigValue } from '../../src/adapt/types.js';
import { errorOf, newState, runDirectives, runOptions } from './tlsutil.js';

// Scenarios come from Caddy's caddyfile_adapt tests (Apache-2.0); the
// pairings are built by hand here (listener mapping is the core adapter's).

function addr(key: string): SiteAddress {
  const m = /^(?:(https?):\/\/)?([^:/]*)(?::(\d+))?$/.exec(key)!;
  return { original: key, scheme: m[1] ?? '', host: m[2] ?? '', port: m[3] ?? '', path: '' };
}

/** A site block: its keys and the config values of its directives. */
function site(keys: string[], body = '', options: Record<string, unknown> = {}): SiteBlock {
  const vals = body ? runDirectives(`${keys.join(', ')} {\n${body}\n}`, newState(options)) : [];
  const pile: Record<string, ConfigValue[]> = {};
  for (const v of vals) (pile[v.class] ??= []).push(v);
  return { block: { keys: [], segments: [], hasBraces: true, isNamedRoute: false }, pile, keys: keys.map(addr) };
}

const on = (addresses: string[], ...serverBlocks: SiteBlock[]): Pairing => ({ addresses, serverBlocks });
const opts = (body: string) => runOptions(`{\n${body}\n}`);
const policies = (app: Record<string, unknown> | undefined) => (app?.automation as { policies?: unknown[] })?.policies;

describe('buildTLSApp', () => {
  it('no TLS settings at all: no app', () => {
    expect(buildTLSApp([on([':443'], site(['example.com']))], {}, [])).toBeUndefined();
  });

  it('local_certs is the catch-all; sites keep their own issuers (tls_automation_policies_3)', () => {
    const o = opts('local_certs');
    const app = buildTLSApp(
      [on([':443'], site(['a.example.com'], 'tls internal'), site(['b.example.com'], 'tls abc@example.com'), site(['c.example.com']))],
      o,
      [],
    );
    expect(policies(app)).toEqual([
      {
        subjects: ['b.example.com'],
        issuers: [
          { email: 'abc@example.com', module: 'acme' },
          { ca: 'https://acme.zerossl.com/v2/DV90', email: 'abc@example.com', module: 'acme' },
        ],
      },
      { issuers: [{ module: 'internal' }] },
    ]);
  });

  it('empty policies stay in front of an on-demand catch-all (tls_automation_policies_5)', () => {
    const app = buildTLSApp([on([':443'], site(['a.example.com']), site(['b.example.com']), site([':443'], 'tls {\n on_demand\n }'))], {}, []);
    expect(policies(app)).toEqual([{ subjects: ['a.example.com', 'b.example.com'] }, { on_demand: true }]);
  });

  it('a get_certificate policy does not need empty neighbours (tls_automation_policies_11)', () => {
    const app = buildTLSApp([on([':443'], site(['a.com'], 'tls {\n get_certificate http http://foo.com/get\n }'), site(['b.com']))], {}, []);
    expect(policies(app)).toEqual([{ subjects: ['a.com'], get_certificate: [{ url: 'http://foo.com/get', via: 'http' }] }]);
  });

  it('global issuer plus an on-demand site; HTTP-only servers are skipped (tls_automation_policies_2)', () => {
    const o = opts('cert_issuer zerossl api_key');
    const app = buildTLSApp(
      [
        on([':1234'], site([':1234'])),
        on([':443'], site(['example.com'], 'tls {\n on_demand\n key_type rsa2048\n }')),
        on([':80'], site(['http://example.net'])),
      ],
      o,
      [],
    );
    expect(policies(app)).toEqual([
      { subjects: ['example.com'], issuers: [{ api_key: 'api_key', module: 'zerossl' }], key_type: 'rsa2048', on_demand: true },
      { issuers: [{ api_key: 'api_key', module: 'zerossl' }] },
    ]);
  });

  it('renewal_window_ratio from the site and from the global option', () => {
    const o = opts('renewal_window_ratio 0.1666');
    const app = buildTLSApp([on([':443'], site(['a.example.com'], 'tls {\n renewal_window_ratio 0.25\n }'), site(['b.example.com']))], o, []);
    expect(policies(app)).toEqual([{ subjects: ['a.example.com'], renewal_window_ratio: 0.25 }, { renewal_window_ratio: 0.1666 }]);
  });

  it('acme_dns without a provider uses the global dns provider (acme_dns_naked_use_dns_defaults)', () => {
    const app = buildTLSApp([on([':443'], site(['example.com']))], opts('dns mock\n acme_dns'), []);
    expect(app).toEqual({
      automation: { policies: [{ issuers: [{ challenges: { dns: {} }, module: 'acme' }] }] },
      dns: { name: 'mock' },
    });
  });

  it('global resolvers fill DNS challenges that have none (global_options_resolvers_mixed)', () => {
    const o = opts('email test@example.com\n dns mock\n tls_resolvers 1.1.1.1 8.8.8.8\n acme_dns');
    const app = buildTLSApp(
      [on([':443'], site(['site1.example.com']), site(['site2.example.com'], 'tls {\n resolvers 9.9.9.9 8.8.4.4\n }', o))],
      o,
      [],
    );
    const dns = (r: string[]) => ({ dns: { resolvers: r } });
    expect(app).toEqual({
      automation: {
        policies: [
          { subjects: ['site2.example.com'], issuers: [{ challenges: dns(['9.9.9.9', '8.8.4.4']), email: 'test@example.com', module: 'acme' }] },
          {
            issuers: [
              { challenges: dns(['1.1.1.1', '8.8.8.8']), email: 'test@example.com', module: 'acme' },
              { ca: 'https://acme.zerossl.com/v2/DV90', challenges: dns(['1.1.1.1', '8.8.8.8']), email: 'test@example.com', module: 'acme' },
            ],
          },
        ],
      },
      dns: { name: 'mock' },
      resolvers: ['1.1.1.1', '8.8.8.8'],
    });
  });

  it('acme_dns provider fills in where a site set only resolvers (tls_acme_dns_override_global_dns)', () => {
    const o = opts('dns mock foo\n acme_dns mock bar');
    const app = buildTLSApp([on([':443'], site(['localhost'], 'tls {\n resolvers 8.8.8.8 8.8.4.4\n }', o))], o, []);
    const bar = { argument: 'bar', name: 'mock' };
    expect(app).toEqual({
      automation: {
        policies: [
          { subjects: ['localhost'], issuers: [{ challenges: { dns: { provider: bar, resolvers: ['8.8.8.8', '8.8.4.4'] } }, module: 'acme' }] },
          { issuers: [{ challenges: { dns: { provider: bar } }, module: 'acme' }] },
        ],
      },
      dns: { argument: 'foo', name: 'mock' },
    });
  });

  it('forced names are automated next to a wildcard certificate (tls_automation_wildcard_force_automate)', () => {
    const app = buildTLSApp(
      [
        on(
          [':443'],
          site(['automated1.example.com'], 'tls force_automate'),
          site(['automated2.example.com'], 'tls force_automate'),
          site(['shadowed.example.com']),
          site(['*.example.com'], 'tls cert.pem key.pem'),
        ),
      ],
      {},
      [],
    );
    expect(app).toEqual({
      certificates: {
        automate: ['automated1.example.com', 'automated2.example.com'],
        load_files: [{ certificate: 'cert.pem', key: 'key.pem', tags: [expect.stringMatching(/^cert\d+$/)] }],
      },
    });
  });

  it('internal and public names of one block get separate policies', () => {
    const app = buildTLSApp([on([':443'], site(['example.com', 'localhost'], 'tls {\n key_type p256\n }'))], {}, []);
    expect(policies(app)).toEqual([
      { subjects: ['example.com'], key_type: 'p256' },
      { subjects: ['localhost'], issuers: [{ module: 'internal' }], key_type: 'p256' },
    ]);
  });

  it('names on a hostless block are automated; internal ones with the internal issuer', () => {
    // as in Caddy, the public name keeps an (empty) policy of its own
    const app = buildTLSApp([on([':443'], site([':443', 'example.com', 'foo.localhost']))], {}, []);
    expect(app).toEqual({
      certificates: { automate: ['example.com', 'foo.localhost'] },
      automation: {
        policies: [{ subjects: ['example.com'] }, { subjects: ['foo.localhost'], issuers: [{ module: 'internal' }] }],
      },
    });
  });

  it('identical policies on several ports merge (tls_automation_policies_6)', () => {
    const body = 'tls {\n ca https://foobar\n }';
    const app = buildTLSApp(
      [on([':443'], site(['example.com'], body)), on([':8443'], site(['example.com:8443'], body))],
      {},
      [],
    );
    expect(policies(app)).toEqual([{ subjects: ['example.com'], issuers: [{ ca: 'https://foobar', module: 'acme' }] }]);
  });

  it('global intervals, on-demand permission and OCSP settings', () => {
    const o = opts('renew_interval 10m\n ocsp_interval 1h\n storage_clean_interval 24h\n ocsp_stapling off\n on_demand_tls {\n ask http://x/ok\n }');
    const app = buildTLSApp([on([':443'], site(['example.com']))], o, []);
    expect(app).toEqual({
      automation: {
        policies: [{ disable_ocsp_stapling: true }],
        on_demand: { permission: { endpoint: 'http://x/ok', module: 'http' } },
        ocsp_interval: 3600e9,
        renew_interval: 600e9,
        storage_clean_interval: 86400e9,
      },
      disable_ocsp_stapling: true,
    });
  });

  it('ACME defaults: ports, CA root, EAB and lifetime fill in, never override', () => {
    const o = opts('acme_ca https://ca.example\n acme_ca_root /root.pem\n http_port 8080\n cert_lifetime 7d\n acme_eab {\n key_id k\n mac_key m\n }');
    const app = buildTLSApp([on([':443'], site(['example.com']), site(['b.example.com'], 'tls {\n ca https://other\n }'))], o, []);
    const common = {
      certificate_lifetime: 7 * 86400e9,
      challenges: { http: { alternate_port: 8080 } },
      external_account: { key_id: 'k', mac_key: 'm' },
      module: 'acme',
      trusted_roots_pem_files: ['/root.pem'],
    };
    expect(policies(app)).toEqual([
      { subjects: ['b.example.com'], issuers: [{ ...common, ca: 'https://other' }] },
      { issuers: [{ ...common, ca: 'https://ca.example' }] },
    ]);
  });

  it('a hostname in two different policies is an error', () => {
    const msg = errorOf(() =>
      buildTLSApp([on([':443'], site(['example.com'], 'tls internal')), on([':8443'], site(['example.com:8443'], 'tls {\n ca https://x\n }'))], {}, []),
    );
    expect(msg).toBe('hostname appears in more than one automation policy, making certificate management ambiguous: example.com');
  });

  it('local_certs with cert_issuer is ambiguous', () => {
    expect(errorOf(() => buildTLSApp([on([':443'], site(['a.com']))], opts('local_certs\n cert_issuer internal'), []))).toContain(
      'global options are ambiguous',
    );
  });
});

describe('buildPKIApp', () => {
  it('global CAs, CAs named by acme_server, and skip_install_trust (global_options_skip_install_trust)', () => {
    const o = opts('skip_install_trust\n pki {\n ca foo {\n name "Foo"\n }\n }');
    const pile = (id: string): SiteBlock => ({ ...site(['acme.example.com']), pile: { 'pki.ca': [{ class: 'pki.ca', value: { id } }] } });
    expect(buildPKIApp([on([':443'], pile('foo'), pile('bar'))], o, [])).toEqual({
      certificate_authorities: { bar: { install_trust: false }, foo: { name: 'Foo', install_trust: false } },
    });
  });

  it('skip_install_trust alone configures the local CA', () => {
    expect(buildPKIApp([], opts('skip_install_trust'), [])).toEqual({ certificate_authorities: { local: { install_trust: false } } });
  });

  it('nothing to configure: no app', () => {
    expect(buildPKIApp([on([':443'], site(['a.com']))], {}, [])).toBeUndefined();
  });
});
