import { describe, expect, it } from 'vitest';
import { adapt, adaptError, adaptWarnings, servers } from './core-harness.js';

describe('site blocks', () => {
  it('a lone hostless site is not wrapped in a subroute', () => {
    expect(servers(':80 {\n  respond "hi"\n}').srv0!.routes).toEqual([{ handle: [{ body: 'hi', handler: 'static_response' }] }]);
  });

  it('a lone site with a host matcher inside is wrapped (caddy#5124)', () => {
    const r = servers(':80 {\n  @h host a.com\n  respond @h "hi"\n}').srv0!.routes;
    expect(r).toHaveLength(1);
    expect(r[0]).toMatchObject({ handle: [{ handler: 'subroute' }], terminal: true });
    expect(r[0]!.match).toBeUndefined();
  });

  it('site paths become path matchers next to the host', () => {
    const r = servers('example.com/api {\n  respond "x"\n}').srv0!.routes;
    expect(r[0]!.match).toEqual([{ host: ['example.com'], path: ['/api'] }]);
  });

  it('a hostless key drops the host matcher for the whole block', () => {
    const r = servers(':443, a.com {\n  respond "x"\n}').srv0!.routes;
    expect(r).toEqual([{ handle: [{ body: 'x', handler: 'static_response' }] }]);
  });

  it.each([
    [':80 {\n}\n{\n  debug\n}', 'server block without any key is global configuration, and if used, it must be first'],
    ['{\n  bogus_option\n}\n:80 {\n}', 'Caddyfile:2: unrecognized global option: bogus_option'],
    [':80 {\n  reverse_prox localhost:9000\n}', 'unrecognized directive: reverse_prox - did you mean reverse_proxy?'],
    [':80 {\n  respnd "x"\n}', 'unrecognized directive: respnd - did you mean respond?'],
    ['handle\n\nrespond "x"', "Caddyfile:1: parsed 'handle' as a site address, but it is a known directive; directives must appear in a site block"],
    [
      'example.com\nhandle {\n  respond "one"\n}\n\nexample.com\nhandle {\n  respond "two"\n}',
      'Caddyfile:6: unrecognized directive: example.com\nDid you mean to define a second site?',
    ],
    ['{\n  http_port 80\n  http_port abc\n}\n:80 {\n}', "parsing caddyfile tokens for 'http_port'"],
  ])('error %#', (input, msg) => {
    expect(adaptError(input)).toContain(msg);
  });

  it('no suggestion when nothing is close', () => {
    expect(adaptError(':80 {\n  zzzzzzzz\n}')).toMatch(/unrecognized directive: zzzzzzzz, at Caddyfile:2/);
  });

  it('a directive name after a scheme is a valid site address', () => {
    expect(servers('http://handle {\n  respond "x"\n}').srv0!.routes[0].match).toEqual([{ host: ['handle'] }]);
  });
});

describe('automatic HTTPS fields', () => {
  it.each([
    ['off', { disable: true }],
    ['disable_redirects', { disable_redirects: true }],
    ['disable_certs', { disable_certificates: true }],
    ['ignore_loaded_certs', { ignore_loaded_certificates: true }],
  ])('auto_https %s', (mode, want) => {
    expect(servers(`{\n  auto_https ${mode}\n}\nexample.com {\n}`).srv0!.automatic_https).toEqual(want);
  });

  it('http:// sites are skipped on servers that also use other ports', () => {
    const s = servers('http://a.com {\n}\n:80, a.com:8443 {\n}');
    expect(Object.values(s).map((x) => x.automatic_https ?? null)).toEqual([null, null]);
    const s2 = servers('http://a.com, https://b.com {\n  respond x\n}');
    expect(s2.srv1!.automatic_https).toBeUndefined();
  });

  it('http:// keys on a non-80 listener are skipped', () => {
    expect(servers('http://a.com:8080 {\n}').srv0!.automatic_https).toEqual({ skip: ['a.com'] });
  });

  it('prefer_wildcard skips certificates covered by a wildcard site', () => {
    const s = servers('{\n  auto_https prefer_wildcard\n}\n*.example.com {\n}\nfoo.example.com {\n}');
    expect(s.srv0!.automatic_https).toEqual({ skip_certificates: ['foo.example.com'], prefer_wildcard: true });
  });
});

describe('TLS connection policies', () => {
  it('a site with tls settings gets an SNI policy and a catch-all', () => {
    const s = servers('a.com {\n  tls {\n    protocols tls1.3\n  }\n}');
    expect(s.srv0!.tls_connection_policies).toEqual([{ match: { sni: ['a.com'] }, protocol_min: 'tls1.3' }, {}]);
  });

  it('default_sni goes on the catch-all', () => {
    const s = servers('{\n  default_sni a.com\n}\n:443 {\n  tls internal\n}');
    expect(s.srv0!.tls_connection_policies).toEqual([{ default_sni: 'a.com' }]);
  });

  it('policies with the same settings merge their SNI lists', () => {
    const s = servers('a.com {\n  tls {\n    protocols tls1.3\n  }\n}\nb.com {\n  tls {\n    protocols tls1.3\n  }\n}');
    expect(s.srv0!.tls_connection_policies).toEqual([{ match: { sni: ['a.com', 'b.com'] }, protocol_min: 'tls1.3' }, {}]);
  });

  it('conflicting policies for the same names are an error', () => {
    expect(adaptError('a.com {\n  tls {\n    alpn h2\n  }\n  tls {\n    alpn http/1.1\n  }\n}')).toContain(
      'two policies with same match criteria have conflicting ALPN',
    );
  });

  it('a wildcard with client auth does not cover more specific sites (caddy#7860)', () => {
    const s = servers(
      '*.example.com {\n  tls {\n    client_auth {\n      mode request\n    }\n  }\n}\npublic.example.com {\n}',
    );
    expect(s.srv0!.tls_connection_policies.map((p: { match?: { sni: string[] } }) => p.match?.sni ?? null)).toEqual([
      ['public.example.com'],
      ['*.example.com'],
      null,
    ]);
  });
});

describe('access logs', () => {
  it('maps site hosts to their logger, skips hosts without one', () => {
    // a bare `log` has no config of its own, so its logger name is empty (as in Caddy)
    const s = servers('a.com {\n  log\n}\nb.com {\n  log {\n    output stdout\n  }\n}\nd.com:8443, c.com {\n}\n');
    expect(s.srv0!.logs).toEqual({ logger_names: { 'a.com': [''], 'b.com': ['log0'] }, skip_hosts: ['c.com'] });
  });

  it('a catch-all site sets the default logger name', () => {
    const s = servers(':80 {\n  log named\n}\nhttp://a.com {\n}');
    expect(s.srv0!.logs).toEqual({ default_logger_name: 'named', skip_hosts: ['a.com'] });
  });

  it('a catch-all site without a log skips unmapped hosts', () => {
    const s = servers('http://a.com {\n  log\n}\n:80 {\n}');
    expect(s.srv0!.logs).toEqual({ logger_names: { 'a.com': [''] }, skip_unmapped_hosts: true });
  });

  it('keeps non-standard ports in logged hostnames, strips them in the mapping', () => {
    const s = servers('a.com:8443 {\n  log\n}\nb.com:8443 {\n}');
    expect(s.srv0!.logs).toEqual({ logger_names: { 'a.com': [''] }, skip_hosts: ['b.com:8443'] });
  });

  it('writes loggers and excludes their access logs from the default logger', () => {
    const cfg = adapt('a.com {\n  log {\n    output stdout\n  }\n}');
    expect(cfg.logging.logs.default).toEqual({ exclude: ['http.log.access.log0'] });
    expect(cfg.logging.logs.log0.include).toEqual(['http.log.access.log0']);
  });

  it('debug sets DEBUG on loggers without a level', () => {
    const cfg = adapt('{\n  debug\n}\na.com {\n  log {\n    output stdout\n  }\n}');
    expect(cfg.logging.logs.default.level).toBe('DEBUG');
    expect(cfg.logging.logs.log0.level).toBe('DEBUG');
  });
});

describe('top level', () => {
  it('admin, persist_config, storage and the app order', () => {
    const cfg = adapt('{\n  admin localhost:2020\n  persist_config off\n  storage file_system /data\n}\n:80 {\n}');
    expect(Object.keys(cfg)).toEqual(['admin', 'storage', 'apps']);
    expect(cfg.admin).toEqual({ listen: 'localhost:2020', config: { persist: false } });
  });

  it('http_port, https_port, grace_period, shutdown_delay go on the http app', () => {
    const cfg = adapt('{\n  http_port 8080\n  https_port 8443\n  grace_period 10s\n  shutdown_delay 5s\n}\n:9000 {\n}');
    expect(cfg.apps.http).toMatchObject({ http_port: 8080, https_port: 8443, grace_period: 10e9, shutdown_delay: 5e9 });
  });

  it('no sites: no http app', () => {
    expect(adapt('{\n  admin off\n}').apps).toBeUndefined();
  });

  it('several protocols on one address give Caddy’s extra empty server', () => {
    // Caddy's consolidateAddrMappings emits an empty pairing in this case (see bind_fd_fdgram_h123)
    const s = servers('https://localhost {\n  bind 127.0.0.1 {\n    protocols h1 h2\n  }\n}');
    expect(Object.keys(s)).toEqual(['srv0', 'srv1']);
    expect(s.srv1).toEqual({});
  });
});

describe('warnings', () => {
  it('warns about unformatted input', () => {
    expect(adaptWarnings(':80 {\nrespond "x"\n}')).toContain("Caddyfile input is not formatted; run 'tsweb fmt --overwrite' to fix inconsistencies");
    expect(adaptWarnings(':80 {\n\trespond "x"\n}\n')).toEqual([]);
  });

  it('warns about paths in site addresses and unspecified IPs', () => {
    const w = adaptWarnings('example.com/path {\n\trespond "x"\n}\n0.0.0.0:80 {\n\trespond "y"\n}\n');
    expect(w.some((m) => m.startsWith('Using a path in a site address is deprecated'))).toBe(true);
    expect(w.some((m) => m.includes('unspecified IP address 0.0.0.0'))).toBe(true);
  });
});

describe('performance', () => {
  it('adapts 1,000 sites well under a second', () => {
    let input = '';
    for (let i = 0; i < 1000; i++) {
      input += `site${i}.example.com {\n\t@api path /api/*\n\thandle @api {\n\t\treverse_proxy 127.0.0.1:${9000 + (i % 50)}\n\t}\n\thandle {\n\t\trespond "site ${i}"\n\t}\n\tlog\n}\n\n`;
    }
    adapt(input); // warm-up (module loading, JIT)
    const start = performance.now();
    const cfg = adapt(input);
    const ms = performance.now() - start;
    expect(cfg.apps.http.servers.srv0.routes).toHaveLength(1000);
    expect(ms).toBeLessThan(1000);
  });
});

describe('http-only sites with tls', () => {
  it('warns that the tls settings do nothing', () => {
    expect(adaptWarnings('http://a.com {\n\ttls internal\n\trespond "x"\n}\n')).toEqual([
      'Site block [http://a.com] uses only http:// addresses, so its TLS settings have no effect',
    ]);
    expect(adaptWarnings('http://a.com, a.com {\n\ttls internal\n\trespond "x"\n}\n')).toEqual([]);
  });
});
