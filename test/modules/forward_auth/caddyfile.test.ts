import { describe, expect, it } from 'vitest';
import { adaptErr, adaptSite, type J } from '../../adapt/proxy-harness.js';

const copyRoutes = (from: string, to: string): J[] => [
  { handle: [{ handler: 'headers', request: { delete: [to] } }] },
  {
    handle: [{ handler: 'headers', request: { set: { [to]: [`{http.reverse_proxy.header.${from}}`] } } }],
    match: [{ not: [{ vars: { [`{http.reverse_proxy.header.${from}}`]: [''] } }] }],
  },
];

const expected = (upstreams: string[], uri: string, copies: [string, string][], extra: J = {}): J => ({
  handle_response: [
    {
      match: { status_code: [2] },
      routes: [{ handle: [{ handler: 'vars' }] }, ...copies.flatMap(([f, t]) => copyRoutes(f, t))],
    },
  ],
  handler: 'reverse_proxy',
  headers: { request: { set: { 'X-Forwarded-Method': ['{http.request.method}'], 'X-Forwarded-Uri': ['{http.request.uri}'] } } },
  rewrite: { method: 'GET', uri },
  upstreams: upstreams.map((dial) => ({ dial })),
  ...extra,
});

describe('forward_auth', () => {
  // forward_auth_copy_headers_strip.caddyfiletest (Caddy's caddyfile_adapt tests, Apache-2.0).
  it('expands into a reverse_proxy that copies headers on 2xx, deleting client-sent ones first', () => {
    const { routes } = adaptSite('forward_auth 127.0.0.1:9091 {\n\turi /\n\tcopy_headers X-User-Id X-User-Role\n}');
    expect(routes).toEqual([
      { handle: [expected(['127.0.0.1:9091'], '/', [['X-User-Id', 'X-User-Id'], ['X-User-Role', 'X-User-Role']])] },
    ]);
  });

  it.each<[string, [string, string][]]>([
    ['copy_headers Remote-User>X-User', [['Remote-User', 'X-User']]],
    ['copy_headers remote-email', [['Remote-Email', 'Remote-Email']]],
    // Block form, sorted by source name; a block may follow arguments.
    ['copy_headers {\n\t\tZ-Last\n\t\tA-First>x-renamed\n\t}', [['A-First', 'X-Renamed'], ['Z-Last', 'Z-Last']]],
    ['copy_headers B {\n\t\tA\n\t}', [['A', 'A'], ['B', 'B']]],
    ['copy_headers A\n\tcopy_headers B', [['A', 'A'], ['B', 'B']]],
  ])('%s', (line, copies) => {
    const { routes } = adaptSite(`forward_auth auth:9091 {\n\turi /verify\n\t${line}\n}`);
    expect(routes[0].handle[0]).toEqual(expected(['auth:9091'], '/verify', copies));
  });

  it('passes the other subdirectives to reverse_proxy, which adds to the preset headers', () => {
    const { routes } = adaptSite(
      'forward_auth auth:1 auth:2 {\n\turi /api/verify?rd=https://auth.example.com\n\theader_up X-Extra 1\n\tlb_policy first\n\ttransport http {\n\t\tdial_timeout 1s\n\t}\n}',
    );
    const h = routes[0].handle[0];
    expect(h.headers.request.set).toEqual({
      'X-Extra': ['1'],
      'X-Forwarded-Method': ['{http.request.method}'],
      'X-Forwarded-Uri': ['{http.request.uri}'],
    });
    expect(h.rewrite).toEqual({ method: 'GET', uri: '/api/verify?rd=https://auth.example.com' });
    expect(h.load_balancing).toEqual({ selection_policy: { policy: 'first' } });
    expect(h.transport).toEqual({ dial_timeout: 1e9, protocol: 'http' });
    expect(h.upstreams).toEqual([{ dial: 'auth:1' }, { dial: 'auth:2' }]);
  });

  it('lets `method` override the GET rewrite', () => {
    const { routes } = adaptSite('forward_auth auth:1 {\n\turi /v\n\tmethod HEAD\n}');
    expect(routes[0].handle[0].rewrite).toEqual({ method: 'HEAD', uri: '/v' });
  });

  it('puts user handle_response blocks after its own 2xx handler', () => {
    const { routes } = adaptSite('forward_auth auth:1 {\n\turi /v\n\t@denied status 401\n\thandle_response @denied {\n\t\tredir https://login.example.com\n\t}\n}');
    const hr = routes[0].handle[0].handle_response;
    expect(hr.map((x: J) => x.match)).toEqual([{ status_code: [2] }, { status_code: [401] }]);
    expect(hr[1].routes[0].handle[0]).toMatchObject({ handler: 'static_response', status_code: 302 });
  });

  it('keeps the matcher on the route', () => {
    const { routes } = adaptSite('forward_auth /admin/* auth:1 {\n\turi /v\n}');
    expect(routes[0].match).toEqual([{ path: ['/admin/*'] }]);
    expect(routes[0].handle[0].handler).toBe('reverse_proxy');
  });

  it('ignores same-named lines nested in other subdirectives', () => {
    // `uri` inside a transport block belongs to the transport (and is rejected there).
    expect(adaptErr('forward_auth auth:1 {\n\turi /v\n\ttransport http {\n\t\turi /x\n\t}\n}')).toContain('unrecognized subdirective uri');
  });

  it.each([
    ['forward_auth auth:1', "the 'uri' subdirective is required"],
    ['forward_auth auth:1 {\n\tcopy_headers A\n}', "the 'uri' subdirective is required"],
    ['forward_auth auth:1 {\n\turi /a\n\turi /b\n}', 'cannot have duplicate uri: /b'],
    ['forward_auth auth:1 {\n\turi\n}', 'Wrong argument count'],
    // The tokens are already gone, so Caddy's message names the block's opening brace.
    ['forward_auth auth:1 {\n\turi /a\n\tcopy_headers\n}', "Unexpected token '{', expecting argument"],
    ['forward_auth auth:1 {\n\turi /a\n\tnope 1\n}', 'unrecognized subdirective nope'],
  ])('rejects %j', (src, msg) => {
    expect(adaptErr(src)).toContain(msg);
  });
});
