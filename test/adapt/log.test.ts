import { describe, expect, it } from 'vitest';
import { errorOf, runDirectives } from './tlsutil.js';

// Inputs partly come from Caddy's caddyfile_adapt tests (Apache-2.0).

const logs = (caddyfile: string) =>
  runDirectives(caddyfile)
    .filter((v) => v.class === 'custom_log')
    .map((v) => v.value);

describe('log directive', () => {
  it('a bare log has no name and no config (the default access log)', () => {
    expect(logs('one.example.com {\n log\n}')).toEqual([{ name: '', hostnames: [], log: null, noHostname: false }]);
  });

  it('unnamed loggers are numbered across all sites', () => {
    const got = logs(
      '*.example.com {\n log {\n hostnames foo.example.com bar.example.com\n output file /foo-bar.txt\n }\n log {\n hostnames baz.example.com\n output file /baz.txt\n }\n}\nexample.com:8443 {\n log {\n output file /port.txt\n }\n}',
    );
    expect(got.map((l) => (l as { name: string }).name)).toEqual(['log0', 'log1', 'log2']);
    expect(got[0]).toEqual({
      name: 'log0',
      hostnames: ['foo.example.com', 'bar.example.com'],
      noHostname: false,
      log: { writer: { filename: '/foo-bar.txt', output: 'file' }, include: ['http.log.access.log0'] },
    });
  });

  it('a named logger without config only names the access log', () => {
    expect(logs('localhost {\n log foo\n}')).toEqual([{ name: 'foo', hostnames: [], log: null, noHostname: false }]);
  });

  it('no_hostname and net output', () => {
    expect(logs('localhost {\n log health {\n output net localhost:9999 {\n dial_timeout 5s\n soft_start\n }\n no_hostname\n }\n}')).toEqual([
      {
        name: 'health',
        hostnames: [],
        noHostname: true,
        log: {
          writer: { address: 'localhost:9999', dial_timeout: 5e9, output: 'net', soft_start: true },
          include: ['http.log.access.health'],
        },
      },
    ]);
  });

  it('file writer rolling options', () => {
    const [l] = logs(
      ':80 {\n log two {\n output file /var/log/access-2.log {\n mode 0777\n dir_mode from_file\n roll_size 1gib\n roll_compression zstd\n roll_interval 12h\n roll_at 00:00 06:00 12:00,18:00\n roll_minutes 10 40 45,46\n roll_keep 10\n roll_keep_for 90d\n }\n }\n}',
    ) as { log: { writer: unknown } }[];
    expect(l!.log.writer).toEqual({
      dir_mode: 'from_file',
      filename: '/var/log/access-2.log',
      mode: '0777',
      output: 'file',
      roll_at: ['00:00', '06:00', '12:00', '18:00'],
      roll_compression: 'zstd',
      roll_interval: 43200e9,
      roll_keep: 10,
      roll_keep_days: 90,
      roll_minutes: [10, 40, 45, 46],
      roll_size_mb: 1024,
    });
  });

  it('filter encoder: long and short forms, every filter', () => {
    const [l] = logs(
      ':80 {\n log {\n format filter {\n wrap console\n fields {\n uri query {\n replace foo REDACTED\n delete bar\n hash baz\n }\n }\n request>headers>Authorization replace REDACTED\n request>headers>Server delete\n request>headers>Cookie cookie {\n replace foo REDACTED\n }\n request>remote_ip ip_mask {\n ipv4 24\n ipv6 32\n }\n request>client_ip ip_mask 16 32\n request>headers>Regexp regexp secret REDACTED\n request>headers>Hash hash\n }\n }\n}',
    ) as { log: { encoder: unknown } }[];
    expect(l!.log.encoder).toEqual({
      fields: {
        'request>client_ip': { filter: 'ip_mask', ipv4_cidr: 16, ipv6_cidr: 32 },
        'request>headers>Authorization': { filter: 'replace', value: 'REDACTED' },
        'request>headers>Cookie': { actions: [{ name: 'foo', type: 'replace', value: 'REDACTED' }], filter: 'cookie' },
        'request>headers>Hash': { filter: 'hash' },
        'request>headers>Regexp': { filter: 'regexp', regexp: 'secret', value: 'REDACTED' },
        'request>headers>Server': { filter: 'delete' },
        'request>remote_ip': { filter: 'ip_mask', ipv4_cidr: 24, ipv6_cidr: 32 },
        uri: {
          actions: [
            { parameter: 'foo', type: 'replace', value: 'REDACTED' },
            { parameter: 'bar', type: 'delete' },
            { parameter: 'baz', type: 'hash' },
          ],
          filter: 'query',
        },
      },
      format: 'filter',
      wrap: { format: 'console' },
    });
  });

  it('journald and append encoders', () => {
    const got = logs(':80 {\n log a {\n format journald {\n wrap console\n }\n }\n log b {\n format append {\n fields {\n env prod\n }\n region eu\n }\n }\n}') as {
      log: { encoder: unknown };
    }[];
    expect(got[0]!.log.encoder).toEqual({ format: 'journald', wrap: { format: 'console' } });
    expect(got[1]!.log.encoder).toEqual({ fields: { env: 'prod', region: 'eu' }, format: 'append' });
  });

  const errors: [string, string, string][] = [
    ['two names', 'log a b', 'Wrong argument count'],
    ['include in directive', 'log {\n include x\n }', 'include is not allowed in the log directive'],
    ['unknown sub', 'log {\n colour red\n }', 'unrecognized subdirective: colour'],
    ['unknown writer', 'log {\n output carrier-pigeon\n }', 'module not registered: caddy.logging.writers.carrier-pigeon'],
    ['bad roll size', 'log {\n output file x {\n roll_size big\n }\n }', 'parsing size'],
    ['bad roll_at', 'log {\n output file x {\n roll_at 25:00\n }\n }', "invalid roll_at time '25:00'"],
    ['bad mode', 'log {\n output file x {\n mode 999\n }\n }', 'parsing mode'],
    ['bad ip mask', 'log {\n format filter {\n ip ip_mask x\n }\n }', 'error parsing x'],
  ];
  it.each(errors)('error: %s', (_n, body, want) => {
    expect(errorOf(() => runDirectives(`:80 {\n${body}\n}`))).toContain(want);
  });
});

describe('log_skip, log_name, log_append', () => {
  it('log_skip sets the log_skip var behind a matcher-less route', () => {
    const vals = runDirectives(':80 {\n log_skip\n}');
    expect(vals).toEqual([{ class: 'route', value: { handle: [{ handler: 'vars', log_skip: true }] } }]);
  });

  it('skip_log is deprecated but works, with a warning', () => {
    const state = { options: {}, warnings: [], groupCounter: { n: 0 } };
    const vals = runDirectives(':80 {\n skip_log\n}', state);
    expect(vals[0]!.value).toEqual({ handle: [{ handler: 'vars', log_skip: true }] });
    expect(state.warnings).toHaveLength(1);
  });

  it('log_name lists logger names', () => {
    expect(runDirectives(':80 {\n log_name a b\n}')[0]!.value).toEqual({
      handle: [{ access_logger_names: ['a', 'b'], handler: 'vars' }],
    });
  });

  it('log_append with a path matcher and early evaluation', () => {
    expect(runDirectives(':80 {\n log_append /x secret value\n}')[0]!.value).toEqual({
      match: [{ path: ['/x'] }],
      handle: [{ handler: 'log_append', key: 'secret', value: 'value' }],
    });
    expect(runDirectives(':80 {\n log_append <early v\n}')[0]!.value).toEqual({
      handle: [{ handler: 'log_append', early: true, key: 'early', value: 'v' }],
    });
  });

  it('log_append needs a key and a value', () => {
    expect(errorOf(() => runDirectives(':80 {\n log_append onlykey\n}'))).toContain('Wrong argument count');
  });
});
