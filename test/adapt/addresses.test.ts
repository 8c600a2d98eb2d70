import { describe, expect, it } from 'vitest';
import { addressString, normalizeAddress, parseAddress } from '../../src/adapt/addresses.js';
import { adaptError, servers } from './core-harness.js';

describe('parseAddress', () => {
  it.each([
    ['example.com', { scheme: '', host: 'example.com', port: '', path: '' }],
    ['example.com:8080', { scheme: '', host: 'example.com', port: '8080', path: '' }],
    ['https://example.com', { scheme: 'https', host: 'example.com', port: '', path: '' }],
    ['http://example.com:81/foo/bar', { scheme: 'http', host: 'example.com', port: '81', path: '/foo/bar' }],
    [':443', { scheme: '', host: '', port: '443', path: '' }],
    ['*.example.com', { scheme: '', host: '*.example.com', port: '', path: '' }],
    ['[::1]:2015', { scheme: '', host: '::1', port: '2015', path: '' }],
    ['[::1]', { scheme: '', host: '::1', port: '', path: '' }],
    ['::1', { scheme: '', host: '::1', port: '', path: '' }],
    ['127.0.0.1:1234', { scheme: '', host: '127.0.0.1', port: '1234', path: '' }],
    ['localhost/path', { scheme: '', host: 'localhost', port: '', path: '/path' }],
    ['{env.HOST}:8080', { scheme: '', host: '{env.HOST}', port: '8080', path: '' }],
  ])('%s', (input, want) => {
    expect(parseAddress(input)).toMatchObject(want);
  });

  it.each([
    ['example.com:70000', 'port 70000 is out of range'],
    ['example.com:abc', "invalid port 'abc'"],
  ])('rejects %s', (input, msg) => {
    expect(() => parseAddress(input)).toThrow(msg);
  });

  it('normalizes IPv6 text and lowercases outside placeholders', () => {
    expect(normalizeAddress(parseAddress('[0:0:0:0:0:0:0:1]:80')).host).toBe('::1');
    expect(normalizeAddress(parseAddress('[2001:DB8:0:0:1:0:0:1]')).host).toBe('2001:db8::1:0:0:1');
    expect(normalizeAddress(parseAddress('HTTPS://Example.COM')).host).toBe('example.com');
    expect(normalizeAddress(parseAddress('{Env.X}.Example.com')).host).toBe('{Env.X}.example.com');
  });

  it('renders a filled-out URL', () => {
    expect(addressString(parseAddress('example.com:443'))).toBe('https://example.com');
    expect(addressString(parseAddress('http://example.com:8080/x'))).toBe('http://example.com:8080/x');
  });
});

describe('listeners', () => {
  it.each([
    ['example.com {\n}', [':443']],
    ['http://example.com {\n}', [':80']],
    ['example.com:8443 {\n}', [':8443']],
    [':8080 {\n}', [':8080']],
    ['{\n  http_port 8080\n}\nhttp://x.com {\n}', [':8080']],
    ['{\n  https_port 8443\n}\nx.com {\n}', [':8443']],
    ['example.com {\n  bind 127.0.0.1 ::1\n}', ['127.0.0.1:443', '[::1]:443']],
    ['example.com {\n  bind tcp6/[::]\n}', ['tcp6/[::]:443']],
    [':80 {\n  bind unix//run/caddy.sock\n}', ['unix//run/caddy.sock']],
  ])('%j listens on %j', (input, listen) => {
    expect(Object.values(servers(input)).map((s) => s.listen)).toEqual([listen]);
  });

  it('gives each listener set its own server and shares identical ones', () => {
    const s = servers('a.com {\n}\nb.com {\n}\n:8080 {\n}\nhttp://c.com {\n}');
    expect(Object.keys(s)).toEqual(['srv0', 'srv1', 'srv2']);
    expect(s.srv0!.listen).toEqual([':443']);
    expect(s.srv1!.listen).toEqual([':80']);
    expect(s.srv2!.listen).toEqual([':8080']);
    expect(s.srv0!.routes.map((r: { match: unknown }) => r.match)).toEqual([[{ host: ['a.com'] }], [{ host: ['b.com'] }]]);
  });

  it('serves keys of one block on different listeners separately', () => {
    const s = servers('a.com, b.com:8443 {\n  respond hi\n}');
    expect(s.srv0!.listen).toEqual([':443']);
    expect(s.srv1!.listen).toEqual([':8443']);
  });

  it('records bind protocols per listener', () => {
    const s = servers('https://localhost {\n  bind 127.0.0.1 {\n    protocols h1 h2\n  }\n  bind 127.0.0.2\n}');
    expect(s.srv0!.listen).toEqual(['127.0.0.1:443', '127.0.0.2:443']);
    expect(s.srv0!.listen_protocols).toEqual([['h1', 'h2'], null]);
  });

  it.each([
    ['foo://example.com {\n}', 'unsupported URL scheme foo://'],
    ['wss://example.com {\n}', 'the scheme wss:// is only supported in browsers; use https:// instead'],
    ['ws://example.com {\n}', 'the scheme ws:// is only supported in browsers; use http:// instead'],
    ['http://example.com:443 {\n}', '[http://example.com:443] scheme and port violate convention'],
    ['https://example.com:80 {\n}', '[https://example.com:80] scheme and port violate convention'],
    ['wss://example.com:70000 {\n}', 'port 70000 is out of range'],
    [':8080 {\n  respond one\n}\n:8080 {\n  respond two\n}', 'ambiguous site definition: :8080'],
    [':8080 {\n}\nhttp://x.com:8080 {\n}\nhttps://y.com:8080 {\n}', 'cannot natively multiplex HTTP and HTTPS'],
  ])('%j fails with %j', (input, msg) => {
    expect(adaptError(input)).toContain(msg);
  });

  it('sorts sites: most specific host first, wildcards after, catch-all last', () => {
    const s = servers(
      ':443 {\n  respond a\n}\n*.example.com {\n  respond b\n}\nfoo.example.com {\n  respond c\n}\nlonger.example.com/path {\n  respond d\n}\nlonger.example.com {\n  respond e\n}',
    );
    const hosts = s.srv0!.routes.map((r: { match?: { host?: string[]; path?: string[] }[] }) => r.match?.[0] ?? null);
    expect(hosts).toEqual([
      { host: ['longer.example.com'], path: ['/path'] },
      { host: ['longer.example.com'] },
      { host: ['foo.example.com'] },
      { host: ['*.example.com'] },
      null,
    ]);
  });
});
