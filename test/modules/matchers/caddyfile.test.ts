import { describe, expect, it } from 'vitest';
import { adaptError, siteRoutes } from '../../adapt/core-harness.js';

/** The matcher set a `respond @m` route gets, for a site with the given definition lines. */
function matcherOf(definition: string): unknown {
  const routes = siteRoutes(`:80 {\n${definition}\n  respond @m "x"\n}`);
  return routes[0]!.match;
}

describe('matcher definitions', () => {
  it.each<[string, string, unknown]>([
    ['path one-line', '@m path /a /b', [{ path: ['/a', '/b'] }]],
    ['path block, merged', '@m {\n  path /a\n  path /b\n}', [{ path: ['/a', '/b'] }]],
    ['host', '@m host a.com b.com', [{ host: ['a.com', 'b.com'] }]],
    ['method', '@m method GET POST', [{ method: ['GET', 'POST'] }]],
    ['several matchers AND together, keys sorted', '@m {\n  path /a\n  method GET\n}', [{ method: ['GET'], path: ['/a'] }]],
    ['path_regexp takes the matcher name', '@m path_regexp ^/x(\\d+)$', [{ path_regexp: { name: 'm', pattern: '^/x(\\d+)$' } }]],
    ['path_regexp with its own name', '@m path_regexp num ^/x$', [{ path_regexp: { name: 'num', pattern: '^/x$' } }]],
    ['header merges values and canonicalizes', '@m {\n  header foo-bar a\n  header Foo-Bar b\n}', [{ header: { 'Foo-Bar': ['a', 'b'] } }]],
    ['header !field is null', '@m header !Foo', [{ header: { Foo: null } }]],
    ['header_regexp', '@m header_regexp ua User-Agent ^curl', [{ header_regexp: { 'User-Agent': { name: 'ua', pattern: '^curl' } } }]],
    ['header_regexp default name', '@m header_regexp User-Agent ^curl', [{ header_regexp: { 'User-Agent': { name: 'm', pattern: '^curl' } } }]],
    ['query merges keys', '@m {\n  query a=1 a=2\n  query b=3\n}', [{ query: { a: ['1', '2'], b: ['3'] } }]],
    ['protocol', '@m protocol grpc', [{ protocol: 'grpc' }]],
    ['remote_ip private_ranges', '@m remote_ip private_ranges', [{ remote_ip: { ranges: ['192.168.0.0/16', '172.16.0.0/12', '10.0.0.0/8', '127.0.0.1/8', 'fd00::/8', '::1'] } }]],
    ['client_ip merged', '@m {\n  client_ip 1.1.1.1\n  client_ip 2.2.2.2/8\n}', [{ client_ip: { ranges: ['1.1.1.1', '2.2.2.2/8'] } }]],
    ['not one-line', '@m not path /a', [{ not: [{ path: ['/a'] }] }]],
    ['not block', '@m not {\n  path /a\n  method GET\n}', [{ not: [{ method: ['GET'], path: ['/a'] }] }]],
    ['vars', '@m vars {http.request.uri} /x /y', [{ vars: { '{http.request.uri}': ['/x', '/y'] } }]],
    ['vars_regexp', '@m vars_regexp {x} ^a', [{ vars_regexp: { '{x}': { name: 'm', pattern: '^a' } } }]],
    ['file with block', '@m file {\n  try_files {path} /index.html\n  try_policy first_exist\n}', [{ file: { try_files: ['{http.request.uri.path}', '/index.html'], try_policy: 'first_exist' } }]],
    ['file bare', '@m file', [{ file: {} }]],
    ['tls', '@m tls early_data', [{ tls: { handshake_complete: false } }]],
    ['expression from quoted token, named', "@m `path('/a')`", [{ expression: { expr: "path('/a')", name: 'm' } }]],
    ['expression one quoted arg, named', '@m expression "{method} == \'GET\'"', [{ expression: { expr: "{http.request.method} == 'GET'", name: 'm' } }]],
    ['expression several args kept raw', '@m expression {x} == "a"', [{ expression: '{x} == "a"' }]],
    ['url_pattern', '@m url_pattern /books/:id', [{ url_pattern: { pattern: '/books/:id' } }]],
  ])('%s', (_name, def, want) => {
    expect(matcherOf(def)).toEqual(want);
  });

  it('a matcher token `*` means no matcher and `/path` a path matcher', () => {
    const routes = siteRoutes(':80 {\n  respond * "a"\n  respond /x "b"\n}');
    expect(routes.map((r) => r.match)).toEqual([[{ path: ['/x'] }], undefined]);
  });

  it('matchers defined inside handle are scoped to it', () => {
    const routes = siteRoutes(':80 {\n  handle {\n    @in path /in\n    respond @in "x"\n  }\n}');
    expect(routes[0]!.handle[0].routes[0].match).toEqual([{ path: ['/in'] }]);
  });

  it.each([
    ['@m path /a\n  @m path /b\n  respond @m x', 'matcher is defined more than once: @m'],
    ['respond @nope x', 'unrecognized matcher name: @nope'],
    ['@m bogus x\n  respond @m x', "getting matcher module 'bogus': module not registered: http.matchers.bogus"],
    ['@m path_regexp a\n  @n {\n    path_regexp a\n    path_regexp b\n  }', 'regular expression can only be used once per named matcher'],
    ['@m header', 'malformed header matcher: expected field'],
    ['@m header Foo', 'malformed header matcher: expected both field and value'],
    ['@m query foo', 'malformed query matcher token: foo; must be in param=val format'],
    ['@m protocol', 'expected exactly one protocol'],
    ['@m remote_ip forwarded', "the 'forwarded' option is no longer supported; use the 'client_ip' matcher instead"],
  ])('error: %j', (body, msg) => {
    expect(adaptError(`:80 {\n  ${body}\n}`)).toContain(msg);
  });

  it('rejects matchers outside a site block', () => {
    expect(adaptError('@foo {\n  path /foo\n}\n\nhandle {\n  respond x\n}')).toContain(
      'request matchers may not be defined globally, they must be in a site block; found @foo',
    );
  });
});
