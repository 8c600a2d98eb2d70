import { describe, expect, it } from 'vitest';
import { adaptErr, adaptSite, handler, handlers, type J } from '../../adapt/proxy-harness.js';

const rp = (upstreams: string, block = '') => handler(`reverse_proxy ${upstreams}${block ? ` {\n${block}\n}` : ''}`);

describe('reverse_proxy upstreams', () => {
  it.each([
    // [upstreams on the line, expected dials]
    ['localhost:8080', ['localhost:8080']],
    ['whoami', ['whoami:80']], // portless_upstream (Caddy's caddyfile_adapt tests, Apache-2.0)
    ['app:80 app:81', ['app:80', 'app:81']],
    ['http://localhost', ['localhost:80']],
    ['http://localhost:9000', ['localhost:9000']],
    ['[::1]:8080', ['[::1]:8080']],
    ['http://[::1]:8080', ['[::1]:8080']],
    ['unix//run/app.sock', ['unix//run/app.sock']],
    ['tcp/localhost:9000', ['tcp/localhost:9000']],
    ['localhost:8001-8003', ['localhost:8001', 'localhost:8002', 'localhost:8003']],
    ['tcp/localhost:9000-9001', ['localhost:9000', 'localhost:9001']], // Caddy drops the network when expanding
    ['http://localhost:8001-8002', ['localhost:8001', 'localhost:8002']],
    ['{upstream}:80', ['{upstream}:80']], // reverse_proxy_upstream_placeholder
    ['{upstream}', ['{upstream}']],
    ['app:{http.regexp.port.1}', ['app:{http.regexp.port.1}']], // replaceable_upstream_port
    ['app:6{http.regexp.port.1}', ['app:6{http.regexp.port.1}']],
  ])('%s', (ups, dials) => {
    expect(rp(ups).upstreams).toEqual(dials.map((dial) => ({ dial })));
  });

  it('takes more upstreams from `to` lines, after the ones on the directive line', () => {
    expect(rp('a:1', 'to b:2 c:3\nto d:4').upstreams).toEqual(['a:1', 'b:2', 'c:3', 'd:4'].map((dial) => ({ dial })));
  });

  it('has no upstreams key without upstreams', () => {
    expect(rp('', 'dynamic a foo 9000')).toEqual({
      dynamic_upstreams: { name: 'foo', port: '9000', source: 'a' },
      handler: 'reverse_proxy',
    });
  });

  it.each([
    // scheme → transport
    ['https://example.com', { protocol: 'http', tls: {} }, ['example.com:443']],
    ['localhost:443', undefined, ['localhost:443']], // no scheme, no TLS: only URLs set the transport
    ['HTTPS://Example.com', { protocol: 'http', tls: {} }, ['Example.com:443']], // the scheme is case-insensitive, the host kept as written
    ['https://[::1]', { protocol: 'http', tls: {} }, ['[::1]:443']],
    ['h2c://localhost:8080', { protocol: 'http', versions: ['h2c', '2'] }, ['localhost:8080']],
    ['unix+h2c//run/grpc.sock', { protocol: 'http', versions: ['h2c', '2'] }, ['unix//run/grpc.sock']],
    ['http://localhost:8080', undefined, ['localhost:8080']],
  ])('%s sets the transport %j', (ups, transport, dials) => {
    const h = rp(ups);
    expect(h.transport).toEqual(transport);
    expect(h.upstreams).toEqual(dials.map((dial) => ({ dial })));
  });

  it('adds TLS to a configured http transport for https:// upstreams', () => {
    expect(rp('https://a', 'transport http {\n dial_timeout 2s\n}').transport).toEqual({
      dial_timeout: 2e9,
      protocol: 'http',
      tls: {},
    });
  });

  it('h2c:// overrides the versions of a configured transport', () => {
    expect(rp('h2c://a', 'transport http {\n versions 1.1\n}').transport).toEqual({ protocol: 'http', versions: ['h2c', '2'] });
  });

  it.each([
    ['http://a/path', "parsing upstream 'http://a/path': for now, URLs for proxy upstreams only support scheme, host, and port components"],
    ['http://a?x=1', 'only support scheme, host, and port components'],
    ['http://a#frag', 'only support scheme, host, and port components'],
    ['http://a:443', 'upstream address has conflicting scheme (http://) and port (:443, the HTTPS port)'],
    ['https://a:80', 'upstream address has conflicting scheme (https://) and port (:80, the HTTP port)'],
    ['h2c://a:443', 'upstream address has conflicting scheme (h2c://) and port (:443, the HTTPS port)'],
    ['ws://a', 'the scheme ws:// is only supported in browsers; use http:// instead'],
    ['wss://a', 'the scheme wss:// is only supported in browsers; use https:// instead'],
    ['ftp://a', 'unsupported URL scheme ftp://'],
    ['http://{host}:80', 'due to parsing difficulties, placeholders are not allowed when an upstream address contains a scheme'],
    ['http://a:x', `parsing upstream URL: parse "http://a:x": invalid port ":x" after host`],
    ['http://a:1-2-3', `parsing upstream URL: parse "http://a:1-2-3": port range invalid: 1-2-3`],
    ['a:99999', 'invalid start port: strconv.ParseUint: parsing "99999": invalid syntax'],
    ['a:9-5', 'end port must not be less than start port'],
    ['https://a http://b', "expecting 'https://' but got 'http://'"],
    ['https://a b:80', "for now, all proxy upstreams must use the same scheme (transport protocol); expecting 'https://' but got '://'"],
  ])('rejects %s', (ups, msg) => {
    expect(adaptErr(`reverse_proxy ${ups}`)).toContain(msg);
  });

  it('names the bad upstream and its position', () => {
    const msg = adaptErr('reverse_proxy {\n\tto ok:1 http://x/y\n}');
    expect(msg).toContain("parsing upstream 'http://x/y'");
    expect(msg).toContain('Caddyfile:3');
  });

  it('does not infer a scheme from ports 80 and 443 of scheme-less upstreams', () => {
    expect(rp('a:80 b:443').upstreams).toEqual([{ dial: 'a:80' }, { dial: 'b:443' }]);
  });

  it('rejects TLS on the transport with an http:// upstream', () => {
    expect(adaptErr('reverse_proxy http://a {\n transport http {\n  tls\n }\n}')).toContain(
      'upstream address scheme is HTTP but transport is configured for HTTP+TLS (HTTPS)',
    );
  });

  it('rejects https:// upstreams with a transport that cannot do TLS', () => {
    expect(adaptErr('reverse_proxy https://a {\n transport fastcgi\n}')).toContain(
      'upstreams are configured for HTTPS but transport module does not support TLS: *fastcgi.Transport',
    );
  });
});

describe('reverse_proxy sub-options', () => {
  it.each<[string, J]>([
    ['lb_policy round_robin', { load_balancing: { selection_policy: { policy: 'round_robin' } } }],
    ['lb_retries 3', { load_balancing: { retries: 3 } }],
    ['lb_retries 0', { load_balancing: {} }], // the struct exists, its zero field is omitted
    ['lb_try_duration 5s', { load_balancing: { try_duration: 5e9 } }],
    ['lb_try_duration 1d', { load_balancing: { try_duration: 86400e9 } }],
    ['lb_try_interval 250ms', { load_balancing: { try_interval: 250e6 } }],
    ['health_uri /healthz?full=1', { health_checks: { active: { uri: '/healthz?full=1' } } }],
    ['health_path /healthz', { health_checks: { active: { path: '/healthz' } } }],
    ['health_upstream 10.0.0.1:8080', { health_checks: { active: { upstream: '10.0.0.1:8080' } } }],
    ['health_port 8081', { health_checks: { active: { port: 8081 } } }],
    ['health_interval 10s', { health_checks: { active: { interval: 10e9 } } }],
    ['health_passes 2', { health_checks: { active: { passes: 2 } } }],
    ['health_fails 3', { health_checks: { active: { fails: 3 } } }],
    ['health_timeout 2s', { health_checks: { active: { timeout: 2e9 } } }],
    ['health_status 2xx', { health_checks: { active: { expect_status: 2 } } }],
    ['health_status 204', { health_checks: { active: { expect_status: 204 } } }],
    ['health_body ^OK$', { health_checks: { active: { expect_body: '^OK$' } } }],
    ['health_method HEAD', { health_checks: { active: { method: 'HEAD' } } }],
    ['health_request_body "ping"', { health_checks: { active: { body: 'ping' } } }],
    ['health_follow_redirects', { health_checks: { active: { follow_redirects: true } } }],
    [
      'health_headers {\n Host example.com\n X-Two a b\n X-Empty\n Same 1\n Same 2\n}',
      { health_checks: { active: { headers: { Host: ['example.com'], 'X-Two': ['a', 'b'], 'X-Empty': [''], Same: ['1', '2'] } } } },
    ],
    ['fail_duration 30s', { health_checks: { passive: { fail_duration: 30e9 } } }],
    ['max_fails 3', { health_checks: { passive: { max_fails: 3 } } }],
    ['unhealthy_status 5xx 404', { health_checks: { passive: { unhealthy_status: [5, 404] } } }],
    ['unhealthy_latency 1s', { health_checks: { passive: { unhealthy_latency: 1e9 } } }],
    ['unhealthy_request_count 100', { health_checks: { passive: { unhealthy_request_count: 100 } } }],
    ['flush_interval -1', { flush_interval: -1 }], // a bare integer is nanoseconds
    ['flush_interval 100ms', { flush_interval: 100e6 }],
    ['request_buffers 4KB', { request_buffers: 4000 }],
    ['request_buffers 1MiB', { request_buffers: 1048576 }],
    ['response_buffers unlimited', { response_buffers: -1 }],
    ['stream_buffer_size 64KiB', { stream_buffer_size: 65536 }],
    ['stream_timeout 24h', { stream_timeout: 86400e9 }],
    ['stream_close_delay 5m', { stream_close_delay: 300e9 }],
    ['verbose_logs', { verbose_logs: true }],
    ['trusted_proxies 10.0.0.0/8 192.168.1.1', { trusted_proxies: ['10.0.0.0/8', '192.168.1.1'] }],
    [
      'trusted_proxies private_ranges 100.64.0.0/10',
      { trusted_proxies: ['192.168.0.0/16', '172.16.0.0/12', '10.0.0.0/8', '127.0.0.1/8', 'fd00::/8', '::1', '100.64.0.0/10'] },
    ],
    ['method POST', { rewrite: { method: 'POST' } }],
    ['rewrite /api{uri}', { rewrite: { uri: '/api{http.request.uri}' } }],
    ['method GET\nrewrite /auth', { rewrite: { method: 'GET', uri: '/auth' } }],
    ['header_up Host {upstream_hostport}', { headers: { request: { set: { Host: ['{http.reverse_proxy.upstream.hostport}'] } } } }],
    ['header_up +x-add v', { headers: { request: { add: { 'X-Add': ['v'] } } } }],
    ['header_up -Cookie', { headers: { request: { delete: ['Cookie'] } } }],
    ['header_up X-Empty', { headers: { request: { set: { 'X-Empty': [''] } } } }],
    [
      'header_up X-Path ^/v1(.*)$ /v2$1',
      { headers: { request: { replace: { 'X-Path': [{ search_regexp: '^/v1(.*)$', replace: '/v2$1' }] } } } },
    ],
    ['header_down -Server', { headers: { response: { delete: ['Server'] } } }],
    ['header_down Strict-Transport-Security max-age=31536000', { headers: { response: { set: { 'Strict-Transport-Security': ['max-age=31536000'] } } } }],
    ['header_up A 1\nheader_down B 2', { headers: { request: { set: { A: ['1'] } }, response: { set: { B: ['2'] } } } }],
  ])('%s', (block, extra) => {
    expect(rp('app:80', block)).toEqual({ handler: 'reverse_proxy', upstreams: [{ dial: 'app:80' }], ...extra });
  });

  it('keeps Caddy key order: handler options sorted like a Go map', () => {
    expect(Object.keys(rp('app:80', 'verbose_logs\nflush_interval -1\nlb_retries 2'))).toEqual([
      'flush_interval',
      'handler',
      'load_balancing',
      'upstreams',
      'verbose_logs',
    ]);
  });

  it.each([
    ['lb_policy', 'Wrong argument count'],
    ['lb_policy random\nlb_policy first', 'load balancing selection policy already specified'],
    ['lb_policy bogus', "getting module named 'http.reverse_proxy.selection_policies.bogus': module not registered"],
    ['lb_retries x', `bad lb_retries number 'x': strconv.Atoi: parsing "x": invalid syntax`],
    ['lb_try_duration 5', 'bad duration value 5: time: missing unit in duration "5"'],
    ['lb_try_interval soon', `bad interval value 'soon': time: invalid duration "soon"`],
    ['health_upstream 10.0.0.1', "health_upstream is malformed '10.0.0.1': address 10.0.0.1: missing port in address"],
    ['health_upstream a:b', `bad port number 'a:b': strconv.Atoi: parsing "b": invalid syntax`],
    ['health_upstream a:1\nhealth_port 2', "the 'health_port' subdirective is ignored if 'health_upstream' is used!"],
    ['health_port http', `bad port number 'http': strconv.Atoi: parsing "http": invalid syntax`],
    ['health_interval 1x', 'bad interval value 1x: time: unknown unit "x" in duration "1x"'],
    ['health_timeout x', 'bad timeout value x: time: invalid duration "x"'],
    ['health_status ok', `bad status value 'ok': strconv.Atoi: parsing "ok": invalid syntax`],
    ['health_passes x', `invalid passes count 'x'`],
    ['health_fails x', `invalid fails count 'x'`],
    ['health_follow_redirects yes', 'Wrong argument count'],
    ['max_fails x', `invalid maximum fail count 'x'`],
    ['fail_duration x', `bad duration value 'x'`],
    ['unhealthy_request_count x', `invalid maximum connection count 'x'`],
    // Caddy names the last token of the line, even when an earlier one was bad.
    ['unhealthy_status 5xx bad 404', `bad status value '404': strconv.Atoi: parsing "bad": invalid syntax`],
    ['unhealthy_status', 'Wrong argument count'],
    ['unhealthy_latency x', `bad duration value 'x'`],
    ['flush_interval x', `bad duration value 'x'`],
    ['request_buffers lots', "invalid byte size 'lots'"],
    ['request_buffers 1KB 2KB', 'Wrong argument count'],
    ['verbose_logs\nverbose_logs', 'verbose_logs already specified'],
    ['header_up', 'Wrong argument count'],
    ['header_up a b c d', 'Wrong argument count'],
    ['header_up ?X y', "?X: the default header modifier ('?') can only be used on response headers"],
    ['header_down ?X y', "?X: the default header modifier ('?') can only be used on response headers"],
    ['method', 'Wrong argument count'],
    ['method GET POST', 'Wrong argument count'],
    ['rewrite /a /b', 'Wrong argument count'],
    ['to', 'Wrong argument count'],
    ['dynamic', 'Wrong argument count'],
    ['dynamic a x 1\ndynamic srv y', 'dynamic upstreams already specified'],
    ['transport', 'Wrong argument count'],
    ['transport grpc', "getting module named 'http.reverse_proxy.transport.grpc': module not registered"],
    ['bogus_option 1', 'unrecognized subdirective bogus_option'],
  ])('rejects %j', (block, msg) => {
    expect(adaptErr(`reverse_proxy app:80 {\n${block}\n}`)).toContain(msg);
  });

  it('points errors at the offending line', () => {
    expect(adaptErr('reverse_proxy app:80 {\n\tlb_retries 1\n\tmax_fails many\n}')).toContain('Caddyfile:4');
  });
});

describe('reverse_proxy warnings', () => {
  it.each([
    ['header_up Host {hostport}', 'Unnecessary header_up Host'],
    ['header_up host {http.request.hostport}', 'Unnecessary header_up Host'],
    ['header_up X-Forwarded-For {remote_host}', 'Unnecessary header_up X-Forwarded-For'],
    ['header_up X-Forwarded-Proto {scheme}', 'Unnecessary header_up X-Forwarded-Proto'],
    ['header_up X-Forwarded-Host {host}', 'Unnecessary header_up X-Forwarded-Host'],
    ['health_path /h', "the 'health_path' subdirective is deprecated, please use 'health_uri' instead!"],
    ['transport http {\n tls_trusted_ca_certs ca.pem\n}', "The 'tls_trusted_ca_certs' field is deprecated"],
    ['transport http {\n forward_proxy_url http://p:3128\n}', "The 'forward_proxy_url' field is deprecated"],
  ])('%s', (block, warning) => {
    const { warnings } = adaptSite(`reverse_proxy app:80 {\n${block}\n}`);
    expect(warnings.some((w) => w.includes(warning))).toBe(true);
  });

  it('does not warn about headers that change something', () => {
    const { warnings } = adaptSite('reverse_proxy app:80 {\n\theader_up Host {upstream_hostport}\n\theader_up X-Real-IP {remote_host}\n}');
    expect(warnings.filter((w) => w.includes('header_up'))).toEqual([]);
  });
});

describe('reverse_proxy matcher token', () => {
  it('puts the matcher on the route, not in the handler', () => {
    const { routes } = adaptSite('reverse_proxy /api/* app:80');
    expect(routes).toEqual([{ match: [{ path: ['/api/*'] }], handle: [{ handler: 'reverse_proxy', upstreams: [{ dial: 'app:80' }] }] }]);
  });

  it('orders two proxies by their path matchers like Caddy', () => {
    expect(handlers('reverse_proxy /a* a:1\nreverse_proxy /a/b* b:1').map((h) => h.upstreams[0].dial)).toEqual(['b:1', 'a:1']);
  });
});
