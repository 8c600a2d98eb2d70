/**
 * host, method, header, header_regexp, query, protocol, path_regexp,
 * remote_ip, client_ip, not, vars, vars_regexp, tls and expression on real
 * requests. Tables from Caddy's matchers_test.go where it has them.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { compileClientIPOptions } from '../../../src/core/context.js';
import { compileTemplate } from '../../../src/core/replacer.js';
import { matcher, mismatches, rawJSON, startServer, type TestServer } from '../../support/harness.js';

let ts: TestServer;
beforeAll(async () => {
  ts = await startServer();
});
afterAll(() => ts.close());

/** Rows of [host header, expected]. */
async function hostRows(config: string[], rows: Array<[string, boolean]>): Promise<string[]> {
  const m = matcher('host', config);
  const bad: string[] = [];
  for (const [host, want] of rows) bad.push(...(await mismatches(ts, m, [['/', want]], { host })).map((x) => `${host}: ${x}`));
  return bad;
}

describe('host', () => {
  it("Caddy's TestHostMatcher table", async () => {
    process.env.GO_BENCHMARK_DOMAIN = 'localhost';
    const rows: Array<[string[], string, boolean]> = [
      [[], 'example.com', false],
      [['example.com'], 'example.com', true],
      [['EXAMPLE.COM'], 'example.com', true],
      [['example.com'], 'EXAMPLE.COM', true],
      [['example.com'], 'foo.example.com', false],
      [['foo.example.com'], 'foo.example.com', true],
      [['foo.example.com'], 'bar.example.com', false],
      [['*.example.com'], 'example.com', false],
      [['*.example.com'], 'SUB.EXAMPLE.COM', true],
      [['*.example.com'], 'foo.example.com', true],
      [['*.example.com'], 'foo.bar.example.com', false],
      [['*.example.com', 'example.net'], 'example.net', true],
      [['example.net', '*.example.com'], 'foo.example.com', true],
      [['*.example.net', '*.*.example.com'], 'foo.bar.example.com', true],
      [['*.example.net', 'sub.*.example.com'], 'sub.foo.example.com', true],
      [['*.example.net', 'sub.*.example.com'], 'sub.foo.example.net', false],
      [['www.*.*'], 'www.example.com', true],
      [['example.com'], 'example.com:5555', true],
      [['{env.GO_BENCHMARK_DOMAIN}'], 'localhost', true],
      [['{env.GO_NONEXISTENT}'], 'localhost', false],
      [['::1'], '[::1]:8080', true],
      [['*'], 'localhost', true],
      [['*'], 'example.com', false],
    ];
    const bad: string[] = [];
    for (const [config, host, want] of rows) bad.push(...(await hostRows(config, [[host, want]])).map((x) => `${JSON.stringify(config)} ${x}`));
    expect(bad).toEqual([]);
  });

  it('compares internationalised names in punycode and refuses duplicates', async () => {
    expect(await hostRows(['bücher.example'], [['xn--bcher-kva.example', true]])).toEqual([]);
    expect(() => matcher('host', ['a.com', 'A.com'])).toThrow('host at index 0 is repeated at index 1: A.com');
  });
});

describe('method', () => {
  it('is exact and case-sensitive', async () => {
    const m = matcher('method', ['GET', 'PUT']);
    const bad: string[] = [];
    for (const [method, want] of [['GET', true], ['PUT', true], ['POST', false], ['PATCH', false]] as const) {
      bad.push(...(await mismatches(ts, m, [['/', want]], { method })));
    }
    expect(bad).toEqual([]);
  });
});

describe('header', () => {
  it("Caddy's TestHeaderMatcher table", async () => {
    type H = Record<string, string | string[]>;
    const rows: Array<[Record<string, string[] | null>, H, boolean, string?]> = [
      [{ Field: ['foo'] }, { Field: 'foo' }, true],
      [{ Field: ['foo', 'bar'] }, { Field: 'bar' }, true],
      [{ Field: ['foo', 'bar'] }, { Alakazam: 'kapow' }, false],
      [{ Field: ['foo', 'bar'] }, { Field: 'kapow' }, false],
      [{ Field: ['foo', 'bar'] }, { Field: ['kapow', 'foo'] }, true],
      [{ Field1: ['foo'], Field2: ['bar'] }, { Field1: 'foo', Field2: 'bar' }, true],
      [{ field1: ['foo'], field2: ['bar'] }, { Field1: 'foo', Field2: 'bar' }, true],
      [{ field1: ['foo'], field2: ['bar'] }, { Field1: 'foo', Field2: 'kapow' }, false],
      [{ field1: ['*'] }, { Field1: 'foo' }, true],
      [{ field1: ['*'] }, { Field2: 'foo' }, false],
      [{ Field1: ['foo*'] }, { Field1: 'foo' }, true],
      [{ Field1: ['foo*'] }, { Field1: ['asdf', 'foobar'] }, true],
      [{ Field1: ['*bar'] }, { Field1: ['asdf', 'foobar'] }, true],
      [{ Field1: ['*ooba*'] }, { Field1: 'foobar' }, true],
      [{ host: ['localhost'] }, {}, true, 'localhost'],
      [{ host: ['localhost'] }, {}, false, 'caddyserver.com'],
      [{ 'Must-Not-Exist': null }, {}, true],
      [{ 'Must-Not-Exist': null }, { 'Must-Not-Exist': 'do not match' }, false],
      [{ 'Must-Exist': [] }, { 'Must-Exist': 'anything' }, true],
      [{ 'Must-Exist': [] }, {}, false],
      [{ 'Has-Placeholder': ['{http.request.uri.query.debug}'] }, { 'Has-Placeholder': '1' }, true],
    ];
    const bad: string[] = [];
    for (const [config, headers, want, host] of rows) {
      const m = matcher('header', config);
      bad.push(...(await mismatches(ts, m, [['/?debug=1', want, headers]], { host })).map((x) => `${JSON.stringify(config)} ${x}`));
    }
    expect(bad).toEqual([]);
  });

  it('header_regexp: any value matches, captures become placeholders (TestHeaderREMatcher)', async () => {
    const m = matcher('header_regexp', { Field: { name: 'name', pattern: '^foo(.*)$' } });
    ts.handle = (ctx) => (m(ctx) ? compileTemplate('{http.regexp.name.1}|{http.regexp.1}|{http.regexp.name.0}')(ctx.repl) : false);
    expect(await rawJSON(ts.port, '/', { Field: ['barfoo', 'foobar'] })).toBe('bar|bar|foobar');
    expect(await rawJSON(ts.port, '/', { Field: 'nope' })).toBe(false);
    expect(await rawJSON(ts.port, '/')).toBe(false);
    const h = matcher('header_regexp', { host: { name: 'h', pattern: '^local' } });
    expect(await mismatches(ts, h, [['/', true]], { host: 'localhost' })).toEqual([]);
    expect(await mismatches(ts, h, [['/', false]], { host: 'example.com' })).toEqual([]);
  });
});

describe('query', () => {
  it("Caddy's TestQueryMatcher table", async () => {
    const rows: Array<[Record<string, string[] | null>, string, boolean, Record<string, string>?]> = [
      [{ debug: ['1'] }, '/', false],
      [{ debug: ['1'] }, '/?debug=1', true],
      [{ debug: ['*'] }, '/?debug=something', true],
      [{ debug: ['*'] }, '/?other=something', false],
      [{ debug: [''] }, '/?debug', true],
      [{ debug: [''] }, '/?someparam', false],
      [{}, '/?', true],
      [{}, '/?foo=bar', false],
      [{ '': null }, '/?', false],
      [{ debug: ['{http.request.header.x-debug}'] }, '/?debug=1', true, { 'X-Debug': '1' }],
      [{ '{http.request.header.x-key}': ['1'] }, '/?somekey=1', true, { 'X-Key': 'somekey' }],
      // AND across keys, any value within a key; decoding; Go refuses ';' and bad escapes.
      [{ a: ['1'], b: ['2', '3'] }, '/?a=1&b=3', true],
      [{ a: ['1'], b: ['2'] }, '/?a=1', false],
      [{ q: ['a b'] }, '/?q=a+b', true],
      [{ q: ['a/b'] }, '/?q=a%2Fb', true],
      [{ a: ['1'] }, '/?a=1;b=2', false],
      [{ a: ['1'] }, '/?a=1&b=%zz', false],
    ];
    const bad: string[] = [];
    for (const [config, target, want, headers] of rows) {
      bad.push(...(await mismatches(ts, matcher('query', config), [[target, want, headers]])).map((x) => `${JSON.stringify(config)} ${x}`));
    }
    expect(bad).toEqual([]);
  });
});

describe('protocol', () => {
  it('http, grpc and versions', async () => {
    const bad: string[] = [];
    bad.push(...(await mismatches(ts, matcher('protocol', 'http'), [['/', true]])));
    bad.push(...(await mismatches(ts, matcher('protocol', 'https'), [['/', false]])));
    bad.push(...(await mismatches(ts, matcher('protocol', 'grpc'), [['/', true, { 'Content-Type': 'application/grpc+proto' }], ['/', false]])));
    bad.push(...(await mismatches(ts, matcher('protocol', 'http/1.1'), [['/', true]])));
    bad.push(...(await mismatches(ts, matcher('protocol', 'http/1.1'), [['/', false]], { version: 'HTTP/1.0' })));
    bad.push(...(await mismatches(ts, matcher('protocol', 'http/1.0+'), [['/', true]])));
    bad.push(...(await mismatches(ts, matcher('protocol', 'http/2+'), [['/', false]])));
    bad.push(...(await mismatches(ts, matcher('protocol', 'gopher'), [['/', false]])));
    expect(bad).toEqual([]);
  });
});

describe('path_regexp', () => {
  it("Caddy's TestPathREMatcher table, on the cleaned path", async () => {
    const rows: Array<[string, string, boolean, Record<string, string>?]> = [
      ['/', '/', true],
      ['/foo', '/foo', true],
      ['/foo', '/foo/', true],
      ['/bar', '/foo/', false],
      ['^/bar', '/foo/bar', false],
      ['^/foo/(.*)/baz$', '/foo/bar/baz', true, { 'name.1': 'bar' }],
      ['^/foo/(?P<myparam>.*)/baz$', '/foo/bar/baz', true, { 'name.myparam': 'bar' }],
      ['^/a/b$', '/a//b', true],
      ['^/a/b$', '/a/x/../b', true],
      ['^/A$', '/a', false],
      ['(?i)^/A$', '/a', true],
      ['^/caf\\x{e9}$', '/caf%C3%A9', true],
    ];
    const bad: string[] = [];
    for (const [pattern, target, want, repl] of rows) {
      const m = matcher('path_regexp', { name: 'name', pattern });
      ts.handle = (ctx) => {
        const ok = m(ctx);
        if (!ok || !repl) return ok;
        return Object.entries(repl).every(([k, v]) => ctx.repl.get(`http.regexp.${k}`) === v);
      };
      const got = await rawJSON(ts.port, target);
      if (got !== want) bad.push(`${pattern} ${target}: expected ${want}, got ${String(got)}`);
    }
    expect(bad).toEqual([]);
  });

  it('refuses invalid patterns with Caddy’s message', () => {
    expect(() => matcher('path_regexp', { pattern: '(' })).toThrow(/^compiling matcher regexp \(:/);
  });
});

describe('remote_ip and client_ip', () => {
  it('match CIDRs and single addresses; refuse bad ranges', async () => {
    const bad: string[] = [];
    bad.push(...(await mismatches(ts, matcher('remote_ip', { ranges: ['127.0.0.0/8'] }), [['/', true]])));
    bad.push(...(await mismatches(ts, matcher('remote_ip', { ranges: ['127.0.0.1'] }), [['/', true]])));
    bad.push(...(await mismatches(ts, matcher('remote_ip', { ranges: ['10.0.0.0/8', '::1'] }), [['/', false]])));
    // The adapter's private_ranges expansion includes 127.0.0.1/8.
    bad.push(...(await mismatches(ts, matcher('remote_ip', { ranges: ['192.168.0.0/16', '172.16.0.0/12', '10.0.0.0/8', '127.0.0.1/8', 'fd00::/8', '::1'] }), [['/', true]])));
    expect(bad).toEqual([]);
    expect(() => matcher('remote_ip', { ranges: ['10.0.0.0/99'] })).toThrow(/parsing CIDR expression '10.0.0.0\/99'/);
    expect(() => matcher('remote_ip', { ranges: ['not-an-ip'] })).toThrow(/invalid IP address: 'not-an-ip'/);
    expect(() => matcher('remote_ip', { forwarded: true })).toThrow(/client_ip/);
  });

  it('client_ip sees the forwarded client behind a trusted proxy, remote_ip the proxy', async () => {
    ts.info = { clientIP: compileClientIPOptions({ trusted_proxies: { source: 'static', ranges: ['127.0.0.1/32'] } }) };
    try {
      const client = matcher('client_ip', { ranges: ['203.0.113.0/24'] });
      const remote = matcher('remote_ip', { ranges: ['203.0.113.0/24'] });
      expect(await mismatches(ts, client, [['/', true, { 'X-Forwarded-For': '203.0.113.9' }], ['/', false]])).toEqual([]);
      expect(await mismatches(ts, remote, [['/', false, { 'X-Forwarded-For': '203.0.113.9' }]])).toEqual([]);
    } finally {
      ts.info = {};
    }
  });
});

describe('not', () => {
  it('negates ORed sets of ANDed matchers', async () => {
    const m = matcher('not', [{ path: ['/a'], method: ['GET'] }, { host: ['foo'] }]);
    const bad: string[] = [];
    bad.push(...(await mismatches(ts, m, [['/a', false], ['/b', true]])));
    bad.push(...(await mismatches(ts, m, [['/a', true]], { method: 'POST' })));
    bad.push(...(await mismatches(ts, m, [['/b', false]], { host: 'foo' })));
    bad.push(...(await mismatches(ts, matcher('not', []), [['/', true]])));
    bad.push(...(await mismatches(ts, matcher('not', [{}]), [['/', false]])));
    expect(bad).toEqual([]);
  });

  it('reports an unknown nested matcher at load time', () => {
    expect(() => matcher('not', [{ nope: 1 }])).toThrow(/unknown module: http\.matchers\.nope/);
  });
});

describe('vars and vars_regexp', () => {
  it('compare variables and lone placeholders; any key may match', async () => {
    const m = matcher('vars', { role: ['admin', '{http.request.header.x-want}'], '{http.request.uri.path.0}': ['special'] });
    ts.handle = (ctx) => {
      const role = ctx.req.headers['x-role'];
      if (typeof role === 'string') ctx.vars.set('role', role);
      return m(ctx);
    };
    const bad: string[] = [];
    for (const [target, want, headers] of [
      ['/x', true, { 'X-Role': 'admin' }],
      ['/x', true, { 'X-Role': 'ops', 'X-Want': 'ops' }],
      ['/x', false, { 'X-Role': 'guest' }],
      ['/special/y', true, {}],
      ['/x', false, { 'X-Want': 'ops' }],
      // An unset variable is '', which equals a placeholder that is empty too (as in Caddy).
      ['/x', true, {}],
      // A variable's own value is never expanded.
      ['/x', false, { 'X-Role': '{env.HOME}', 'X-Want': process.env.HOME ?? 'h' }],
    ] as const) {
      const got = await rawJSON(ts.port, target, headers);
      if (got !== want) bad.push(`${target} ${JSON.stringify(headers)}: expected ${want}`);
    }
    expect(bad).toEqual([]);
    expect(await mismatches(ts, matcher('vars', {}), [['/', true]])).toEqual([]);
  });

  it('vars_regexp publishes captures', async () => {
    const m = matcher('vars_regexp', { '{http.request.header.user-agent}': { name: 'ua', pattern: '^curl/(?P<ver>[\\d.]+)' } });
    ts.handle = (ctx) => (m(ctx) ? compileTemplate('{http.regexp.ua.ver}/{http.regexp.ua.1}')(ctx.repl) : false);
    expect(await rawJSON(ts.port, '/', { 'User-Agent': 'curl/8.5.0' })).toBe('8.5.0/8.5.0');
    expect(await rawJSON(ts.port, '/', { 'User-Agent': 'wget' })).toBe(false);
  });
});

describe('tls and expression', () => {
  it('tls never matches a plain connection', async () => {
    expect(await mismatches(ts, matcher('tls', {}), [['/', false]])).toEqual([]);
  });

  // Was refused at load before tsweb had CEL; test/modules/expression covers it fully.
  it('expression (CEL) compiles at load and matches', async () => {
    expect(await mismatches(ts, matcher('expression', '{http.request.uri.path} == "/"'), [['/', true], ['/x', false]])).toEqual([]);
  });
});
