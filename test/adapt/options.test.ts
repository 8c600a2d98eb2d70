import { describe, expect, it } from 'vitest';
import { errorOf, runOptions } from './tlsutil.js';

// Inputs partly come from Caddy's caddyfile_adapt tests (Apache-2.0).

describe('global options: values', () => {
  const cases: [string, string, Record<string, unknown>][] = [
    ['debug flag', 'debug', { debug: true }],
    ['ports', 'http_port 8080\n https_port 8443', { http_port: 8080, https_port: 8443 }],
    ['durations in ns', 'grace_period 10s\n shutdown_delay 1m\n renew_interval 1d', {
      grace_period: 10e9,
      shutdown_delay: 60e9,
      renew_interval: 86400e9,
    }],
    ['storage_clean_interval off', 'storage_clean_interval off', { storage_clean_interval: false }],
    ['single strings', 'email a@b.c\n acme_ca https://ca\n default_sni x\n key_type p384', {
      email: 'a@b.c',
      acme_ca: 'https://ca',
      default_sni: 'x',
      key_type: 'p384',
    }],
    ['storage file_system', 'storage file_system {\n root /data\n }', { storage: { module: 'file_system', root: '/data' } }],
    ['storage file_system inline', 'storage file_system /data', { storage: { module: 'file_system', root: '/data' } }],
    ['storage plugin passes through', 'storage redis {\n host 10.0.0.1\n }', { storage: { host: '10.0.0.1', module: 'redis' } }],
    ['admin default listen', 'admin {\n origins localhost:2019 [::1]:2019\n enforce_origin\n }', {
      admin: { listen: 'localhost:2019', enforce_origin: true, origins: ['localhost:2019', '[::1]:2019'] },
    }],
    ['admin off', 'admin off', { admin: { disabled: true } }],
    ['admin address', 'admin :2020', { admin: { listen: ':2020' } }],
    ['persist_config', 'persist_config off', { persist_config: 'off' }],
    ['on_demand ask becomes http permission', 'on_demand_tls {\n ask https://example.com\n }', {
      on_demand_tls: { permission: { endpoint: 'https://example.com', module: 'http' } },
    }],
    ['on_demand permission module', 'on_demand_tls {\n permission http https://x/check\n }', {
      on_demand_tls: { permission: { endpoint: 'https://x/check', module: 'http' } },
    }],
    ['auto_https several modes', 'auto_https prefer_wildcard disable_redirects', {
      auto_https: ['prefer_wildcard', 'disable_redirects'],
    }],
    ['acme_dns with provider', 'acme_dns mock foo', { acme_dns: { name: 'mock', argument: 'foo' } }],
    ['acme_dns without provider', 'acme_dns', { acme_dns: null }],
    ['dns provider token', 'dns cloudflare {env.CF_TOKEN}', { dns: { name: 'cloudflare', api_token: '{env.CF_TOKEN}' } }],
    ['acme_eab', 'acme_eab {\n key_id k\n mac_key m\n }', { acme_eab: { key_id: 'k', mac_key: 'm' } }],
    ['cert_issuer repeats', 'cert_issuer zerossl KEY\n cert_issuer acme {\n email a@b.c\n }', {
      cert_issuer: [
        { module: 'zerossl', api_key: 'KEY' },
        { module: 'acme', email: 'a@b.c' },
      ],
    }],
    ['ocsp_stapling off', 'ocsp_stapling off', { ocsp_stapling: { disable_stapling: true } }],
    ['preferred_chains', 'preferred_chains {\n root_common_name "ISRG Root X1"\n }', {
      preferred_chains: { root_common_name: ['ISRG Root X1'] },
    }],
    ['preferred_chains smallest', 'preferred_chains smallest', { preferred_chains: { smallest: true } }],
    ['tls_resolvers', 'tls_resolvers 1.1.1.1 8.8.8.8', { tls_resolvers: ['1.1.1.1', '8.8.8.8'] }],
    ['renewal_window_ratio', 'renewal_window_ratio 0.1666', { renewal_window_ratio: 0.1666 }],
    ['default_bind', 'default_bind tcp4/0.0.0.0 tcp6/[::]', {
      default_bind: [{ class: 'bind', value: { addresses: ['tcp4/0.0.0.0', 'tcp6/[::]'] } }],
    }],
    ['metrics per_host', 'metrics {\n per_host\n }', { metrics: { per_host: true } }],
    ['pki CAs', 'pki {\n ca {\n name "Local"\n root_cn "R"\n intermediate {\n cert /c\n key /k\n format pem_file\n }\n }\n ca foo {\n name Foo\n }\n }', {
      pki: {
        certificate_authorities: {
          local: {
            name: 'Local',
            root_common_name: 'R',
            intermediate: { certificate: '/c', private_key: '/k', format: 'pem_file' },
          },
          foo: { name: 'Foo' },
        },
      },
    }],
  ];
  it.each(cases)('%s', (_name, body, want) => {
    expect(runOptions(`{\n${body}\n}`)).toEqual(want);
  });
});

describe('global log option', () => {
  it('names the default logger and keeps every logger in order', () => {
    const opts = runOptions('{\n log {\n output file foo.log\n }\n log second {\n format json\n level WARN\n include a b\n }\n}');
    expect(opts.log).toEqual([
      {
        class: 'custom_log',
        value: { name: 'default', hostnames: [], noHostname: false, log: { writer: { filename: 'foo.log', output: 'file' } } },
      },
      {
        class: 'custom_log',
        value: {
          name: 'second',
          hostnames: [],
          noHostname: false,
          log: { encoder: { format: 'json' }, level: 'WARN', include: ['a', 'b'] },
        },
      },
    ]);
  });

  it('parses sampling intervals as durations', () => {
    const opts = runOptions('{\n log {\n sampling {\n interval 5m\n first 50\n thereafter 40\n }\n }\n}');
    const log = (opts.log as { value: { log: unknown } }[])[0]!.value.log;
    expect(log).toEqual({ sampling: { interval: 300e9, first: 50, thereafter: 40 } });
  });
});

describe('global options: errors', () => {
  const cases: [string, string, string][] = [
    ['port not a number', 'http_port eighty', "converting port 'eighty' to integer value"],
    ['bad duration', 'grace_period soon', 'time: invalid duration "soon"'],
    ['admin off with block', 'admin off {\n origins x\n }', 'No more option is allowed after turning off admin config'],
    ['admin unknown', 'admin {\n foo\n }', "unrecognized parameter 'foo'"],
    ['persist_config on', 'persist_config on', "persist_config must be 'off'"],
    ['auto_https bad mode', 'auto_https sometimes', 'auto_https must be one of'],
    ['on_demand empty', 'on_demand_tls {\n }', 'expected at least one config parameter for on_demand_tls'],
    ['on_demand interval removed', 'on_demand_tls {\n interval 2m\n }', "'interval' option is no longer supported"],
    ['on_demand ask twice', 'on_demand_tls {\n ask a\n ask b\n }', 'already specified'],
    ['ocsp_stapling on', 'ocsp_stapling on', "invalid argument 'on'"],
    ['unknown issuer', 'cert_issuer nope', 'module not registered: tls.issuance.nope'],
    ['eab unknown key', 'acme_eab {\n key x\n }', "unrecognized parameter 'key'"],
    ['duplicate global log', 'log {\n level INFO\n }\n log default {\n level DEBUG\n }', 'duplicate global log option for: default'],
    ['hostnames in global log', 'log {\n hostnames a\n }', 'hostnames is not allowed in the log global options'],
    ['preferred_chains empty', 'preferred_chains {\n }', 'No options for preferred_chains received'],
    ['preferred_chains both', 'preferred_chains {\n root_common_name a\n any_common_name b\n }', "Can't set any_common_name"],
    ['renewal ratio range', 'renewal_window_ratio 1.5', 'renewal_window_ratio must be between 0 and 1'],
    ['pki unknown', 'pki {\n ca {\n color red\n }\n }', "unrecognized pki ca option 'color'"],
  ];
  it.each(cases)('%s', (_name, body, want) => {
    expect(errorOf(() => runOptions(`{\n${body}\n}`))).toContain(want);
  });
});
