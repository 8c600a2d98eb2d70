// rewrite through the engine: Caddy's rewrite_test.go table (the cases a
// client can send: no fragments), plus the query operations and the
// placeholders handlers after a rewrite see. Each case is its own route,
// picked by an X-Case header; the response shows method and URI afterwards.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { respond, send, site, type Site } from '../../support/client.js';

type Case = [rule: Record<string, unknown>, input: string, expect: string, headers?: Record<string, string>];

// [rule, request target, expected "{method} {uri}" afterwards]
const cases: Case[] = [
  [{}, '/', 'GET /'],
  [{ method: 'GET', uri: '/' }, '/', 'GET /'],
  [{ method: 'post' }, '/', 'POST /'],
  [{ uri: '/foo' }, '/', 'GET /foo'],
  [{ uri: '/foo' }, '/bar', 'GET /foo'],
  [{ uri: '{http.request.uri}' }, '/bar%3Fbaz?c=d', 'GET /bar%3Fbaz?c=d'],
  [{ uri: '{http.request.uri.path}' }, '/bar%3Fbaz', 'GET /bar%3Fbaz'],
  [{ uri: '/foo{http.request.uri.path}' }, '/bar', 'GET /foo/bar'],
  [{ uri: '/index.php?p={http.request.uri.path}' }, '/foo/bar', 'GET /index.php?p=%2Ffoo%2Fbar'],
  [{ uri: '?a=b&{http.request.uri.query}' }, '/', 'GET /?a=b'],
  [{ uri: '/?c=d' }, '/', 'GET /?c=d'],
  [{ uri: '/?c=d' }, '/?a=b', 'GET /?c=d'],
  [{ uri: '?c=d' }, '/foo', 'GET /foo?c=d'],
  [{ uri: '/?c=d' }, '/foo', 'GET /?c=d'],
  [{ uri: '/?{http.request.uri.query}&c=d' }, '/', 'GET /?c=d'],
  [{ uri: '/foo?{http.request.uri.query}&c=d' }, '/', 'GET /foo?c=d'],
  [{ uri: '?{http.request.uri.query}&c=d' }, '/foo', 'GET /foo?c=d'],
  [{ uri: '{http.request.uri.path}?{http.request.uri.query}&c=d' }, '/foo', 'GET /foo?c=d'],
  [{ uri: '/index.php?{http.request.uri.query}&c=d' }, '/foo', 'GET /index.php?c=d'],
  [{ uri: '?a=b&c=d' }, '/foo', 'GET /foo?a=b&c=d'],
  [{ uri: '/index.php?{http.request.uri.query}&c=d' }, '/?a=b', 'GET /index.php?a=b&c=d'],
  [{ uri: '/index.php?c=d&{http.request.uri.query}' }, '/?a=b', 'GET /index.php?c=d&a=b'],
  [{ uri: '/index.php?{http.request.uri.query}&p={http.request.uri.path}' }, '/foo/bar?a=b', 'GET /index.php?a=b&p=%2Ffoo%2Fbar'],
  [{ uri: '{http.request.uri.path}?' }, '/foo/bar?a=b&c=d', 'GET /foo/bar'],
  [{ uri: '?qs={http.request.uri.query}' }, '/foo?a=b&c=d', 'GET /foo?qs=a%3Db%26c%3Dd'],
  [{ uri: '/foo{http.request.uri}' }, '/bar?a=b', 'GET /foo/bar?a=b'],
  [{ uri: '/foo{http.request.uri}' }, '/bar', 'GET /foo/bar'],
  [{ uri: '/foo{http.request.uri}?c=d' }, '/bar?a=b', 'GET /foo/bar?c=d'],
  [{ uri: '/foo{http.request.uri}?{http.request.uri.query}&c=d' }, '/bar?a=b', 'GET /foo/bar?a=b&c=d'],
  [{ uri: '{http.request.uri}' }, '/bar?a=b', 'GET /bar?a=b'],
  [{ uri: '{http.request.uri.path}bar?c=d' }, '/foo/?a=b', 'GET /foo/bar?c=d'],
  [{ uri: '/i{http.request.uri}' }, '/%C2%B7%E2%88%B5.png', 'GET /i/%C2%B7%E2%88%B5.png'],
  [{ uri: '/i{http.request.uri}' }, '/%C2%B7%E2%88%B5.png?a=b', 'GET /i/%C2%B7%E2%88%B5.png?a=b'],
  [{ uri: '/api/admin/panel' }, '/api/admin%2Fpanel', 'GET /api/admin/panel'],

  [{ strip_path_prefix: '/prefix' }, '/foo/bar', 'GET /foo/bar'],
  [{ strip_path_prefix: '/prefix' }, '/prefix/foo/bar', 'GET /foo/bar'],
  [{ strip_path_prefix: 'prefix' }, '/prefix/foo/bar', 'GET /foo/bar'],
  [{ strip_path_prefix: '/prefix' }, '/prefix', 'GET /'],
  [{ strip_path_prefix: '/prefix' }, '/', 'GET /'],
  [{ strip_path_prefix: '/prefix' }, '/prefix/foo%2Fbar', 'GET /foo%2Fbar'],
  [{ strip_path_prefix: '/prefix' }, '/foo/prefix/bar', 'GET /foo/prefix/bar'],
  [{ strip_path_prefix: '/aaaaaa' }, '/%61%61', 'GET /%61%61'],
  [{ strip_path_prefix: '//prefix' }, '//prefix/foo/bar', 'GET /foo/bar'],
  [{ strip_path_prefix: '//prefix' }, '/prefix/foo/bar', 'GET /prefix/foo/bar'],
  [{ strip_path_prefix: '/a%2Fb/c' }, '/a%2Fb/c/d', 'GET /d'],
  [{ strip_path_prefix: '/a%2Fb/c' }, '/a%2fb/c/d', 'GET /d'],
  [{ strip_path_prefix: '/caf\u00e9' }, '/caf%C3%A9/d', 'GET /d'],
  [{ strip_path_prefix: '/\ud55c' }, '/%ED%95%9C/d', 'GET /d'],
  [{ strip_path_prefix: '/\ud55c' }, '/%E6%BC%A2/d', 'GET /%E6%BC%A2/d'],
  [{ strip_path_suffix: '/caf\u00e9' }, '/d/caf%C3%A9', 'GET /d'],
  [{ strip_path_prefix: '/a/b/c' }, '/a%2Fb/c/d', 'GET /d'],
  [{ strip_path_prefix: '/a%2Fb/c' }, '/a/b/c/d', 'GET /a/b/c/d'],
  [{ strip_path_prefix: '//a%2Fb/c' }, '/a/b/c/d', 'GET /a/b/c/d'],

  [{ strip_path_suffix: '/suffix' }, '/foo/bar', 'GET /foo/bar'],
  [{ strip_path_suffix: 'suffix' }, '/foo/bar/suffix', 'GET /foo/bar/'],
  [{ strip_path_suffix: 'suffix' }, '/foo%2Fbar/suffix', 'GET /foo%2Fbar/'],
  [{ strip_path_suffix: '%2fsuffix' }, '/foo%2Fbar%2fsuffix', 'GET /foo%2Fbar'],
  [{ strip_path_suffix: '/suffix' }, '/foo/suffix/bar', 'GET /foo/suffix/bar'],
  [{ strip_path_suffix: '/b/c' }, '/a/b%2Fc', 'GET /a'],
  [{ strip_path_suffix: 'bc' }, '/a%62c', 'GET /a'],
  [{ strip_path_suffix: '%2fsuffix' }, '/foo/bar/suffix', 'GET /foo/bar/suffix'],

  [{ uri_substring: [{ find: 'findme', replace: 'replaced' }] }, '/foo/bar', 'GET /foo/bar'],
  [{ uri_substring: [{ find: 'findme', replace: 'replaced' }] }, '/foo/findme/bar', 'GET /foo/replaced/bar'],
  [{ uri_substring: [{ find: 'findme', replace: 'replaced' }] }, '/foo/findme%2Fbar', 'GET /foo/replaced%2Fbar'],
  [{ uri_substring: [{ find: '%28', replace: '(' }] }, '/hello/%28%29', 'GET /hello/(%29'],
  [{ uri_substring: [{ find: '%28', replace: '(' }, { find: '%29', replace: ')' }] }, '/hello/%28%29', 'GET /hello/()'],
  [{ uri_substring: [{ find: 'a', replace: 'b', limit: 2 }] }, '/aaa?x=a', 'GET /bba?x=b'], // the query too, with its own limit
  [{ path_regexp: [{ find: '/{2,}', replace: '/' }] }, '/foo//bar///baz?a=b//c', 'GET /foo/bar/baz?a=b//c'],
  [{ path_regexp: [{ find: '^/(\\w+)/(?P<rest>.*)$', replace: '/$rest/$1' }] }, '/first/second', 'GET /second/first'],
  // `${name}` is a placeholder to Caddy's replacer before the regexp sees it: it expands to nothing.
  [{ path_regexp: [{ find: '^/(\\w+)/(?P<rest>.*)$', replace: '/${rest}/$1' }] }, '/first/second', 'GET /$/first'],
  [{ path_regexp: [{ find: '^/(\\w+)', replace: '/$1x' }] }, '/abc', 'GET /'],

  // GHSA-j8px-rmrx-76h9: placeholder syntax arriving in request data is not expanded.
  [{ uri: '/serve/{http.request.header.X-Fwd}?' }, '/anything', 'GET /serve/foo?%7Benv.HOME%7D=leak', { 'X-Fwd': 'foo?{env.HOME}=leak' }],
  [{ uri: '?sig=YWJjZA==' }, '/hello', 'GET /hello?sig=YWJjZA=='],
  [{ uri: '?x=1&sig=YWJjZA==' }, '/hello', 'GET /hello?x=1&sig=YWJjZA=='],
  // A query that arrives in a replacement value is honoured (X-Accel-Redirect style).
  [{ uri: '{http.request.header.X-Accel}' }, '/orig', 'GET /hello?some=param', { 'X-Accel': '/hello?some=param' }],

  // query operations: rename, set, add, replace, delete; url.Values.Encode sorts keys
  [{ query: { rename: [{ key: 'qux', val: 'quux' }] } }, '/?qux=1&a=2', 'GET /?a=2&quux=1'],
  [{ query: { set: [{ key: 'a', val: 'b c' }] } }, '/?a=1&a=2', 'GET /?a=b+c'],
  [{ query: { add: [{ key: 'a', val: '3' }, { key: 'n', val: '{http.request.uri.path}' }] } }, '/p?a=1', 'GET /p?a=1&a=3&n=%2Fp'],
  [{ query: { delete: ['b'] } }, '/?a=1&b=2&c=3', 'GET /?a=1&c=3'],
  [{ query: { replace: [{ key: 'c', search_regexp: 'd+', replace: 'e' }] } }, '/?c=xddy&d=dd', 'GET /?c=xey&d=dd'],
  [{ query: { replace: [{ key: '*', search: 'o', replace: '0' }] } }, '/?a=foo&b=boo', 'GET /?a=f00&b=b00'],
];

describe('rewrite: Caddy\'s table', () => {
  let s: Site;
  beforeAll(async () => {
    s = await site(cases.map(([rule], i) => ({
      match: [{ header: { 'X-Case': [String(i)] } }],
      handle: [{ handler: 'rewrite', ...rule }, respond('{http.request.method} {http.request.uri}')],
    })));
  });
  afterAll(() => s?.stop());

  it.each(cases.map((c, i) => [i, ...c] as const))('#%i %j %s → %s', async (i, _rule, input, expected, headers) => {
    const r = await send(s.port, input, { headers: { 'X-Case': String(i), ...(headers ?? {}) } });
    expect(r.text).toBe(expected);
  });
});

describe('rewrite: what later handlers see', () => {
  let s: Site;
  beforeAll(async () => {
    s = await site([
      { match: [{ path: ['/old/*'] }], handle: [{ handler: 'rewrite', uri: '/new{http.request.uri.path}' }] },
      { match: [{ path: ['/new/*'] }], handle: [respond('now {http.request.uri} was {http.request.orig_uri} {http.request.orig_method}')] },
      { match: [{ path: ['/m'] }], handle: [{ handler: 'rewrite', method: '{http.request.header.X-Method}' }, respond('{http.request.method} orig {http.request.orig_method}')] },
      { match: [{ path: ['/api', '/api/*'] }], handle: [{ handler: 'rewrite', strip_path_prefix: '/api' }, respond('{http.request.uri.path} {http.request.uri.path.0}')] },
      { handle: [respond('fallthrough {http.request.uri}', { status_code: 404 })] },
    ]);
  });
  afterAll(() => s?.stop());

  it('later routes match on the rewritten path; orig_* keep what the client sent', async () => {
    const r = await send(s.port, '/old/x?q=1');
    expect(r.text).toBe('now /new/old/x?q=1 was /old/x?q=1 GET');
  });

  it('method from a placeholder, upper-cased', async () => {
    const r = await send(s.port, '/m', { headers: { 'X-Method': 'delete' } });
    expect(r.text).toBe('DELETE orig GET');
  });

  it('strip_path_prefix as handle_path uses it', async () => {
    expect((await send(s.port, '/api/users/7')).text).toBe('/users/7 users');
    expect((await send(s.port, '/api')).text).toBe('/ ');
  });
});

describe('rewrite: config errors', () => {
  it('refuses an invalid path_regexp with Caddy\'s wording', async () => {
    await expect(site([{ handle: [{ handler: 'rewrite', path_regexp: [{ find: '(', replace: '' }] }] }])).rejects.toThrow(/compiling regular expression 0/);
    await expect(site([{ handle: [{ handler: 'rewrite', path_regexp: [{ find: '', replace: 'x' }] }] }])).rejects.toThrow(/path_regexp find cannot be empty/);
  });
});
