import { describe, expect, it } from 'vitest';
import { adaptErr, handler, type J } from '../../adapt/proxy-harness.js';

const transport = (kind: string, block: string): J =>
  handler(`reverse_proxy app:80 {\n\ttransport ${kind} {\n${block}\n\t}\n}`).transport;

describe('transport http', () => {
  it.each<[string, J]>([
    ['read_buffer 10MB', { read_buffer_size: 10_000_000 }],
    ['write_buffer 4KiB', { write_buffer_size: 4096 }],
    ['max_response_header 30MB', { max_response_header_size: 30_000_000 }],
    ['read_timeout 10s', { read_timeout: 10e9 }],
    ['write_timeout 20s', { write_timeout: 20e9 }],
    ['proxy_protocol v2', { proxy_protocol: 'v2' }],
    ['network_proxy none', { network_proxy: { from: 'none' } }],
    ['network_proxy url http://localhost:8080', { network_proxy: { from: 'url', url: 'http://localhost:8080' } }],
    // Deprecated spelling of the same thing (reverse_proxy_http_transport_forward_proxy_url.txt).
    ['forward_proxy_url http://localhost:8080', { network_proxy: { from: 'url', url: 'http://localhost:8080' } }],
    ['dial_timeout 3s', { dial_timeout: 3e9 }],
    ['dial_fallback_delay -1s', { dial_fallback_delay: -1e9 }],
    ['response_header_timeout 8s', { response_header_timeout: 8e9 }],
    ['expect_continue_timeout 9s', { expect_continue_timeout: 9e9 }],
    ['resolvers 8.8.8.8 1.1.1.1', { resolver: { addresses: ['8.8.8.8', '1.1.1.1'] } }],
    ['tls', { tls: {} }],
    ['tls_client_auth client.example.com', { tls: { client_certificate_automate: 'client.example.com' } }],
    ['tls_client_auth c.pem k.pem', { tls: { client_certificate_file: 'c.pem', client_certificate_key_file: 'k.pem' } }],
    ['tls_insecure_skip_verify', { tls: { insecure_skip_verify: true } }],
    ['tls_curves x25519 secp256r1', { tls: { curves: ['x25519', 'secp256r1'] } }],
    ['tls_timeout 5s', { tls: { handshake_timeout: 5e9 } }],
    ['tls_trusted_ca_certs a.pem b.pem', { tls: { root_ca_pem_files: ['a.pem', 'b.pem'] } }],
    // reverse_proxy_http_transport_tls_file_cert.txt (Caddy's caddyfile_adapt tests, Apache-2.0)
    ['tls_trust_pool file {\n pem_file ../caddy.ca.cer\n}', { tls: { ca: { pem_files: ['../caddy.ca.cer'], provider: 'file' } } }],
    ['tls_trust_pool inline MIIB', { tls: { ca: { provider: 'inline', trusted_ca_certs: ['MIIB'] } } }],
    ['tls_server_name app.internal', { tls: { server_name: 'app.internal' } }],
    ['tls_renegotiation freely', { tls: { renegotiation: 'freely' } }],
    ['tls_except_ports 8181 8182', { tls: { except_ports: ['8181', '8182'] } }],
    ['keepalive off', { keep_alive: { enabled: false } }],
    ['keepalive 90s', { keep_alive: { idle_timeout: 90e9 } }],
    ['keepalive_interval 30s', { keep_alive: { probe_interval: 30e9 } }],
    ['keepalive_idle_conns 100', { keep_alive: { max_idle_conns: 100 } }],
    ['keepalive_idle_conns_per_host 2', { keep_alive: { max_idle_conns_per_host: 2 } }],
    ['max_idle_conns_per_host 8', { keep_alive: { max_idle_conns_per_host: 8 } }],
    ['versions h2c 2', { versions: ['h2c', '2'] }],
    ['versions 3', { versions: ['3'] }],
    ['compression off', { compression: false }],
    ['compression on', undefined], // only `off` changes anything
    ['max_conns_per_host 5', { max_conns_per_host: 5 }],
    ['local_address 192.168.0.1', { local_address: '192.168.0.1' }],
  ])('%s', (line, expected) => {
    expect(transport('http', `\t\t${line}`)).toEqual(expected === undefined ? undefined : { protocol: 'http', ...expected });
  });

  it('leaves out an http transport with nothing set, as Caddy does', () => {
    expect(handler('reverse_proxy app:80 {\n\ttransport http\n}').transport).toBeUndefined();
  });

  it('keeps a keep_alive block even if its values are zero', () => {
    expect(transport('http', 'keepalive_idle_conns 0')).toEqual({ keep_alive: {}, protocol: 'http' });
  });

  it.each([
    ['read_buffer big', "invalid read buffer size 'big'"],
    ['write_buffer 1XB', "invalid write buffer size '1XB': unhandled size name: xb"],
    ['max_response_header x', "invalid max response header size 'x'"],
    ['read_timeout x', "invalid read timeout duration 'x'"],
    ['write_timeout x', "invalid write timeout duration 'x'"],
    ['proxy_protocol v3', "invalid proxy protocol version 'v3'"],
    ['network_proxy', 'Wrong argument count'],
    ['network_proxy socks5', "getting module named 'caddy.network_proxy.socks5': module not registered"],
    ['network_proxy url', 'Wrong argument count'],
    ['dial_timeout x', `bad timeout value 'x': time: invalid duration "x"`],
    ['dial_fallback_delay x', "bad fallback delay value 'x'"],
    ['resolvers', 'must specify at least one resolver address'],
    ['tls_client_auth a b c', 'Wrong argument count'],
    ['tls_insecure_skip_verify yes', 'Wrong argument count'],
    ['tls_curves', 'Wrong argument count'],
    ['tls_renegotiation sometimes', 'Wrong argument count'],
    ['tls_except_ports', 'Wrong argument count'],
    ['tls_trust_pool file a.pem\ntls_trusted_ca_certs b.pem', "cannot specify both 'tls_trust_pool' and 'tls_trusted_ca_certs"],
    ['tls_trusted_ca_certs b.pem\ntls_trust_pool file a.pem', "cannot specify both 'tls_trust_pool' and 'tls_trusted_ca_certs'"],
    ['tls_trust_pool file a.pem\ntls_trust_pool file b.pem', 'cannot specify "tls_trust_pool" twice in caddyfile'],
    ['keepalive forever', "bad duration value 'forever'"],
    ['keepalive_interval x', "bad interval value 'x'"],
    ['keepalive_idle_conns many', `bad integer value 'many': strconv.Atoi: parsing "many": invalid syntax`],
    ['versions', 'Wrong argument count'],
    ['max_conns_per_host x', "bad integer value 'x'"],
    ['local_address', 'Wrong argument count'],
    ['bogus', 'unrecognized subdirective bogus'],
  ])('rejects %j', (line, msg) => {
    expect(adaptErr(`reverse_proxy app:80 {\n\ttransport http {\n${line}\n\t}\n}`)).toContain(msg);
  });
});

describe('transport fastcgi', () => {
  it('takes every fastcgi option', () => {
    expect(
      transport(
        'fastcgi',
        'root /var/www\nsplit .php .php5\nenv A 1\nenv B "two words"\nresolve_root_symlink\ndial_timeout 3s\nread_timeout 10s\nwrite_timeout 20s\ncapture_stderr',
      ),
    ).toEqual({
      capture_stderr: true,
      dial_timeout: 3e9,
      env: { A: '1', B: 'two words' },
      protocol: 'fastcgi',
      read_timeout: 10e9,
      resolve_root_symlink: true,
      root: '/var/www',
      split_path: ['.php', '.php5'],
      write_timeout: 20e9,
    });
  });

  it('is kept even when empty (reverse_proxy_empty_non_http_transport)', () => {
    expect(handler('reverse_proxy 127.0.0.1:65535 {\n\ttransport fastcgi\n}').transport).toEqual({ protocol: 'fastcgi' });
  });

  it.each([
    ['root', 'Wrong argument count'],
    ['split', 'Wrong argument count'],
    ['env A', 'Wrong argument count'],
    ['resolve_root_symlink yes', 'Wrong argument count'],
    ['read_timeout x', 'bad timeout value x: time: invalid duration "x"'],
    ['capture_stderr now', 'Wrong argument count'],
    ['index off', 'unrecognized subdirective index'], // php_fastcgi's shortcut, not a transport option
  ])('rejects %j', (line, msg) => {
    expect(adaptErr(`reverse_proxy app:80 {\n\ttransport fastcgi {\n${line}\n\t}\n}`)).toContain(msg);
  });
});

describe('lb_policy', () => {
  const policy = (line: string): J => handler(`reverse_proxy a:1 b:1 {\n\tlb_policy ${line}\n}`).load_balancing.selection_policy;

  it.each<[string, J]>([
    ['random', { policy: 'random' }],
    ['least_conn', { policy: 'least_conn' }],
    ['round_robin', { policy: 'round_robin' }],
    ['first', { policy: 'first' }],
    ['ip_hash', { policy: 'ip_hash' }],
    ['client_ip_hash', { policy: 'client_ip_hash' }],
    ['uri_hash', { policy: 'uri_hash' }],
    ['random_choose 3', { policy: 'random_choose', choose: 3 }],
    ['weighted_round_robin 10 1', { policy: 'weighted_round_robin', weights: [10, 1] }],
    ['query user', { policy: 'query', key: 'user' }],
    ['header X-Upstream', { policy: 'header', field: 'X-Upstream' }],
    ['header X-Upstream {\n\t\tfallback first\n\t}', { policy: 'header', field: 'X-Upstream', fallback: { policy: 'first' } }],
    [
      'query u {\n\t\tfallback header X {\n\t\t\tfallback round_robin\n\t\t}\n\t}',
      { policy: 'query', key: 'u', fallback: { policy: 'header', field: 'X', fallback: { policy: 'round_robin' } } },
    ],
    ['cookie', { policy: 'cookie' }],
    ['cookie sticky', { policy: 'cookie', name: 'sticky' }],
    ['cookie sticky s3cret', { policy: 'cookie', name: 'sticky', secret: 's3cret' }],
    ['cookie lb {\n\t\tfallback least_conn\n\t\tmax_age 1h\n\t}', { policy: 'cookie', name: 'lb', fallback: { policy: 'least_conn' }, max_age: 3600e9 }],
  ])('%s', (line, expected) => {
    expect(policy(line)).toEqual(expected);
  });

  it.each([
    ['random extra', 'Wrong argument count'],
    ['round_robin 1', 'Wrong argument count'],
    ['random_choose', 'Wrong argument count'],
    ['random_choose two', `invalid choice value 'two': strconv.Atoi: parsing "two": invalid syntax`],
    ['weighted_round_robin', 'Wrong argument count'],
    ['weighted_round_robin 1 x', `invalid weight value 'x': strconv.Atoi: parsing "x": invalid syntax`],
    ['weighted_round_robin 1 -2', "invalid weight value '-2': weight should be non-negative"],
    ['query', 'Wrong argument count'],
    ['header', 'Wrong argument count'],
    ['header X {\n fallback\n}', 'Wrong argument count'],
    ['header X {\n fallback first\n fallback random\n}', 'fallback selection policy already specified'],
    ['header X {\n fallback nope\n}', "getting module named 'http.reverse_proxy.selection_policies.nope'"],
    ['header X {\n other 1\n}', "unrecognized option 'other'"],
    ['cookie a b c', 'Wrong argument count'],
    ['cookie a {\n max_age soon\n}', 'invalid duration: soon'],
    ['cookie a {\n max_age -1h\n}', 'invalid duration: -1h, max_age should be non-zero and positive'],
    ['cookie a {\n max_age 1h\n max_age 2h\n}', 'cookie max_age already specified'],
    ['cookie a {\n max_age 1h 2h\n}', 'Wrong argument count'],
  ])('rejects %j', (line, msg) => {
    expect(adaptErr(`reverse_proxy a:1 {\n\tlb_policy ${line}\n}`)).toContain(msg);
  });
});

describe('dynamic upstreams', () => {
  const dyn = (line: string): J => handler(`reverse_proxy {\n\tdynamic ${line}\n}`).dynamic_upstreams;

  // From reverse_proxy_dynamic_upstreams(_grace_period).caddyfiletest (Caddy's caddyfile_adapt tests, Apache-2.0).
  it.each<[string, J]>([
    ['a foo 9000', { name: 'foo', port: '9000', source: 'a' }],
    [
      'a {\n name foo\n port 9000\n refresh 5m\n resolvers 8.8.8.8 8.8.4.4\n dial_timeout 2s\n dial_fallback_delay 300ms\n versions ipv6\n}',
      {
        dial_fallback_delay: 300e6,
        dial_timeout: 2e9,
        name: 'foo',
        port: '9000',
        refresh: 300e9,
        resolver: { addresses: ['8.8.8.8', '8.8.4.4'] },
        source: 'a',
        versions: { ipv6: true },
      },
    ],
    ['a foo {\n versions ipv4 ipv6\n}', { name: 'foo', source: 'a', versions: { ipv4: true, ipv6: true } }],
    ['srv _api._tcp.example.com', { name: '_api._tcp.example.com', source: 'srv' }],
    [
      'srv {\n service api\n proto tcp\n name example.com\n refresh 5m\n dial_fallback_delay -1s\n grace_period 5s\n}',
      { dial_fallback_delay: -1e9, grace_period: 5e9, name: 'example.com', proto: 'tcp', refresh: 300e9, service: 'api', source: 'srv' },
    ],
    [
      'multi {\n srv _a._tcp.example.com\n a backup.example.com 8080\n}',
      {
        source: 'multi',
        sources: [
          { name: '_a._tcp.example.com', source: 'srv' },
          { name: 'backup.example.com', port: '8080', source: 'a' },
        ],
      },
    ],
  ])('%s', (line, expected) => {
    expect(dyn(line)).toEqual(expected);
  });

  it.each([
    ['srv a b', 'Wrong argument count'],
    ['srv x {\n name y\n}', 'srv name has already been specified'],
    ['srv {\n service a\n service b\n}', 'srv service has already been specified'],
    ['srv {\n refresh x\n}', 'parsing refresh interval duration: time: invalid duration "x"'],
    ['srv {\n grace_period x\n}', "bad grace period value 'x'"],
    ['srv {\n resolvers\n}', 'must specify at least one resolver address'],
    ['srv {\n weight 1\n}', "unrecognized srv option 'weight'"],
    ['a x 1 2', 'Wrong argument count'],
    ['a x 1 {\n port 2\n}', 'a port has already been specified'],
    ['a {\n versions\n}', 'must specify at least one version'],
    ['a {\n versions ipv5\n}', "unsupported version: 'ipv5'"],
    ['a {\n dial_timeout x\n}', "bad timeout value 'x'"],
    ['a {\n dial_fallback_delay x\n}', "bad delay value 'x'"],
    ['a {\n zone x\n}', "unrecognized a option 'zone'"],
    ['multi x', 'Wrong argument count'],
    ['consul svc', "getting module named 'http.reverse_proxy.upstreams.consul': module not registered"],
  ])('rejects %j', (line, msg) => {
    expect(adaptErr(`reverse_proxy {\n\tdynamic ${line}\n}`)).toContain(msg);
  });
});

describe('lb_retry_match', () => {
  // From reverse_proxy_load_balance_wrr.caddyfiletest (Caddy's caddyfile_adapt tests, Apache-2.0).
  it('takes one matcher on the line or a block of them, one set per line', () => {
    const lb = handler('reverse_proxy a:1 {\n\tlb_retry_match {\n\t\tpath /foo*\n\t\tmethod POST\n\t}\n\tlb_retry_match path /bar*\n}').load_balancing;
    expect(lb.retry_match).toEqual([{ method: ['POST'], path: ['/foo*'] }, { path: ['/bar*'] }]);
  });

  it('takes expressions with response placeholders', () => {
    const lb = handler('reverse_proxy a:1 {\n\tlb_retry_match {\n\t\texpression `{rp.status_code} in [502, 503]`\n\t}\n}').load_balancing;
    expect(lb.retry_match).toEqual([{ expression: '{http.reverse_proxy.status_code} in [502, 503]' }]);
  });

  it('wraps matcher errors', () => {
    expect(adaptErr('reverse_proxy a:1 {\n\tlb_retry_match {\n\t\tnosuchmatcher x\n\t}\n}')).toContain(
      "failed to parse lb_retry_match: getting matcher module 'nosuchmatcher'",
    );
  });
});
