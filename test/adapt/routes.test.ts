import { describe, expect, it } from 'vitest';
import { adaptError, servers, siteRoutes } from './core-harness.js';

describe('handle, handle_path, route', () => {
  it('handle blocks are mutually exclusive (one group) and sorted by path', () => {
    const routes = siteRoutes(':80 {\n  handle {\n    respond "fallback"\n  }\n  handle /api/* {\n    respond "api"\n  }\n}');
    expect(routes.map((r) => [r.group, r.match])).toEqual([
      ['group2', [{ path: ['/api/*'] }]],
      ['group2', undefined],
    ]);
    expect(routes[0]!.handle[0]).toEqual({ handler: 'subroute', routes: [{ handle: [{ body: 'api', handler: 'static_response' }] }] });
  });

  it('a single handle gets no group', () => {
    expect(siteRoutes(':80 {\n  handle /x {\n    respond "x"\n  }\n}')[0]!.group).toBeUndefined();
  });

  it('handle_path strips the prefix and sorts with handle', () => {
    // from Caddy's caddyfile_adapt tests (handle_path_sorting), Apache-2.0
    const routes = siteRoutes(':80 {\n  handle /api/* {\n    respond "api"\n  }\n  handle_path /static/* {\n    respond "static"\n  }\n  handle {\n    respond "handle"\n  }\n}');
    expect(routes.map((r) => r.match?.[0].path?.[0] ?? null)).toEqual(['/static/*', '/api/*', null]);
    expect(routes[0]!.handle[0].routes[0]).toEqual({ handle: [{ handler: 'rewrite', strip_path_prefix: '/static' }] });
  });

  it.each([
    ['/api/*', '/api'],
    ['/api*', '/api'],
    ['/exact', '/exact'],
  ])('handle_path %s strips %s', (path, strip) => {
    const routes = siteRoutes(`:80 {\n  handle_path ${path} {\n    respond "x"\n  }\n}`);
    expect(routes[0]!.handle[0].routes[0].handle[0].strip_path_prefix).toBe(strip);
  });

  it('handle_path needs a path', () => {
    expect(adaptError(':80 {\n  handle_path api {\n  }\n}')).toContain("path matcher must begin with '/', got api");
  });

  it('nests handle inside route inside handle', () => {
    const routes = siteRoutes(':80 {\n  handle /a/* {\n    route {\n      handle /a/b {\n        respond "deep"\n      }\n    }\n  }\n}');
    const route = routes[0]!.handle[0].routes[0].handle[0];
    expect(route.handler).toBe('subroute');
    expect(route.routes[0].match).toEqual([{ path: ['/a/b'] }]);
    expect(route.routes[0].handle[0].routes[0].handle[0].body).toBe('deep');
  });

  it('empty blocks give an empty subroute', () => {
    // from Caddy's caddyfile_adapt tests (matchers_in_route), Apache-2.0
    const s = servers(':80 {\n  route {\n    @matcher1 path /path1\n  }\n}');
    expect(s.srv0!.routes).toEqual([{ handle: [{ handler: 'subroute' }] }]);
  });

  it('arguments after handle other than a matcher are an error', () => {
    expect(adaptError(':80 {\n  handle /a extra {\n  }\n}')).toContain("Wrong argument count or unexpected line ending after 'extra'");
  });

  it('an unknown directive inside a block explains the structure', () => {
    expect(adaptError(':80 {\n  handle {\n    Hello\n  }\n}')).toContain(
      "parsing caddyfile tokens for 'handle': unrecognized directive: Hello - are you sure your Caddyfile structure (nesting and braces) is correct?",
    );
  });

  it('route rejects directives that are not handlers', () => {
    expect(adaptError(':80 {\n  route {\n    bind 1.2.3.4\n  }\n}')).toContain(
      'bind directive returned something other than an HTTP route or subroute',
    );
  });
});

describe('handle_errors', () => {
  // a lone hostless site's routes are not wrapped in a subroute
  const errorRoutes = (input: string) => servers(input).srv0!.errors.routes;

  it('wraps each handle_errors in a route, with status codes as an expression', () => {
    const routes = errorRoutes(':80 {\n  handle_errors 404 410 5xx {\n    respond "err"\n  }\n}');
    expect(routes[0].match).toEqual([
      { expression: '{http.error.status_code} >= 500 && {http.error.status_code} <= 599 || {http.error.status_code} in [404, 410]' },
    ]);
    expect(routes[0].handle[0]).toEqual({ handler: 'subroute', routes: [{ handle: [{ body: 'err', handler: 'static_response' }] }] });
  });

  it('puts the catch-all handle_errors after the ones with codes', () => {
    const routes = errorRoutes(':80 {\n  handle_errors {\n    respond "all"\n  }\n  handle_errors 404 {\n    respond "nf"\n  }\n}');
    expect(routes.map((r: { match?: unknown }) => r.match ?? null)).toEqual([[{ expression: '{http.error.status_code} in [404]' }], null]);
  });

  it('reverses handle_errors that all have codes, as Caddy does', () => {
    // from Caddy's caddyfile_adapt tests (error_range_simple_codes), Apache-2.0
    const routes = errorRoutes(':80 {\n  handle_errors 500 3xx {\n    respond "a"\n  }\n  handle_errors 4xx {\n    respond "b"\n  }\n}');
    expect(routes.map((r: { match: { expression: string }[] }) => r.match[0]!.expression)).toEqual([
      '{http.error.status_code} >= 400 && {http.error.status_code} <= 499',
      '{http.error.status_code} >= 300 && {http.error.status_code} <= 399 || {http.error.status_code} in [500]',
    ]);
  });

  it('error routes of a site are behind its host matcher', () => {
    const s = servers('example.com {\n  handle_errors {\n    respond "e"\n  }\n}');
    expect(s.srv0!.errors.routes[0].match).toEqual([{ host: ['example.com'] }]);
    expect(s.srv0!.errors.routes[0].terminal).toBe(true);
  });

  it.each([
    ['40', "bad status value '40'"],
    ['4x4', "bad status value '4x4'"],
    ['axx', "bad status value 'a'"],
  ])('rejects status %s', (code, msg) => {
    expect(adaptError(`:80 {\n  handle_errors ${code} {\n  }\n}`)).toContain(msg);
  });
});

describe('named routes', () => {
  it('adds invoked routes to the server', () => {
    const s = servers('&(api) {\n  respond "api"\n}\n:80 {\n  invoke api\n}');
    expect(s.srv0!.named_routes).toEqual({ api: { handle: [{ body: 'api', handler: 'static_response' }] } });
    expect(s.srv0!.routes).toEqual([{ handle: [{ handler: 'invoke', name: 'api' }] }]);
  });

  it('keeps a subroute when the named route has several routes', () => {
    const s = servers('&(r) {\n  respond /a "a"\n  respond "b"\n}\n:80 {\n  invoke r\n}');
    expect(s.srv0!.named_routes.r.handle[0].handler).toBe('subroute');
    expect(s.srv0!.named_routes.r.handle[0].routes).toHaveLength(2);
  });

  it('includes routes invoked by named routes', () => {
    const s = servers('&(inner) {\n  respond "in"\n}\n&(outer) {\n  invoke inner\n}\n:80 {\n  invoke outer\n}');
    expect(Object.keys(s.srv0!.named_routes)).toEqual(['inner', 'outer']);
  });

  it('only servers that invoke a route get it', () => {
    const s = servers('&(r) {\n  respond "x"\n}\n:80 {\n  invoke r\n}\n:81 {\n  respond "y"\n}');
    expect(s.srv0!.named_routes).toBeDefined();
    expect(s.srv1!.named_routes).toBeUndefined();
  });

  it.each([
    [':80 {\n  invoke missing\n}', "cannot invoke named route 'missing', which was not defined"],
    ['&(a) {\n  invoke missing\n}\n:80 {\n  invoke a\n}', "cannot invoke named route 'missing', which was not defined"],
    ['&(a) {\n  respond 1\n}\n&(a) {\n  respond 2\n}\n:80 {\n  invoke a\n}', 'cannot have duplicate named_routes: a'],
    [':80 {\n  invoke\n}', 'Wrong argument count'],
  ])('error %#', (input, msg) => {
    expect(adaptError(input)).toContain(msg);
  });
});
