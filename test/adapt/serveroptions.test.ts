import { describe, expect, it } from 'vitest';
import { adapt, adaptError, servers } from './core-harness.js';

describe('servers global option', () => {
  it('sets every option on the server (Caddy’s global_server_options_single)', () => {
    // input from Caddy's caddyfile_adapt tests (global_server_options_single), Apache-2.0
    const s = servers(`{
  servers {
    listener_wrappers {
      http_redirect
      tls
    }
    timeouts {
      read_body 30s
      read_header 30s
      write 30s
      idle 30s
    }
    max_header_size 100MB
    enable_full_duplex
    log_credentials
    protocols h1 h2 h2c h3
    strict_sni_host
    trusted_proxies static private_ranges
    client_ip_headers Custom-Real-Client-IP X-Forwarded-For
    client_ip_headers A-Third-One
    keepalive_interval 20s
    keepalive_idle 20s
    keepalive_count 10
    0rtt off
  }
}
foo.com {
}`);
    expect(s.srv0).toMatchObject({
      listener_wrappers: [{ wrapper: 'http_redirect' }, { wrapper: 'tls' }],
      read_timeout: 30e9,
      read_header_timeout: 30e9,
      write_timeout: 30e9,
      idle_timeout: 30e9,
      keepalive_interval: 20e9,
      keepalive_idle: 20e9,
      keepalive_count: 10,
      max_header_bytes: 100000000,
      enable_full_duplex: true,
      strict_sni_host: true,
      trusted_proxies: { ranges: ['192.168.0.0/16', '172.16.0.0/12', '10.0.0.0/8', '127.0.0.1/8', 'fd00::/8', '::1'], source: 'static' },
      client_ip_headers: ['Custom-Real-Client-IP', 'X-Forwarded-For', 'A-Third-One'],
      logs: { should_log_credentials: true },
      protocols: ['h1', 'h2', 'h2c', 'h3'],
      allow_0rtt: false,
    });
  });

  it('applies the most specific listener address, else the address-less block', () => {
    // from Caddy's caddyfile_adapt tests (global_server_options_multi), Apache-2.0
    const s = servers(`{
  servers {
    timeouts {
      idle 90s
    }
    strict_sni_host insecure_off
  }
  servers :80 {
    timeouts {
      idle 60s
    }
  }
  servers :443 {
    timeouts {
      idle 30s
    }
    strict_sni_host
  }
}
foo.com {
}
http://bar.com {
}
:8080 {
}`);
    expect(s.srv0).toMatchObject({ listen: [':443'], idle_timeout: 30e9, strict_sni_host: true });
    expect(s.srv1).toMatchObject({ listen: [':80'], idle_timeout: 60e9 });
    expect(s.srv1!.strict_sni_host).toBeUndefined();
    expect(s.srv2).toMatchObject({ listen: [':8080'], idle_timeout: 90e9, strict_sni_host: false });
  });

  it('renames servers', () => {
    const s = servers('{\n  servers :443 {\n    name https\n  }\n}\nfoo.com {\n}\nhttp://bar.com {\n}');
    expect(Object.keys(s)).toEqual(['https', 'srv1']);
  });

  it('shapes proxy_protocol', () => {
    const s = servers(
      '{\n  servers {\n    listener_wrappers {\n      proxy_protocol {\n        timeout 2s\n        allow 10.0.0.0/8\n        fallback_policy reject\n      }\n      tls\n    }\n  }\n}\n:443 {\n}',
    );
    expect(s.srv0!.listener_wrappers).toEqual([
      { allow: ['10.0.0.0/8'], fallback_policy: 'REJECT', timeout: 2e9, wrapper: 'proxy_protocol' },
      { wrapper: 'tls' },
    ]);
  });

  it('hoists the deprecated per-server metrics into the http app', () => {
    const cfg = adapt('{\n  servers {\n    metrics {\n      per_host\n    }\n  }\n}\n:80 {\n}');
    expect(cfg.apps.http.metrics).toEqual({ per_host: true });
    expect(cfg.apps.http.servers.srv0.metrics).toBeUndefined();
  });

  it.each([
    ['servers {\n    name x\n  }', 'cannot set a name for a server without a listener address'],
    ['servers {\n    protocols h4\n  }', "unknown protocol 'h4': expected h1, h2, h2c, or h3"],
    ['servers {\n    protocols h1 h1\n  }', 'protocol h1 specified more than once'],
    ['servers {\n    strict_sni_host maybe\n  }', "strict_sni_host only supports 'on' or 'insecure_off', got 'maybe'"],
    ['servers {\n    bogus\n  }', "unrecognized servers option 'bogus'"],
    ['servers {\n    timeouts {\n      idle forever\n    }\n  }', 'parsing idle timeout duration'],
    ['servers :80 {\n  }\n  servers :80 {\n  }', "cannot have 'servers' global options with duplicate listener addresses: :80"],
    ['servers :80 {\n    name a\n  }\n  servers :81 {\n    name a\n  }', "cannot use duplicate server name 'a'"],
  ])('error %#', (opt, msg) => {
    expect(adaptError(`{\n  ${opt}\n}\n:80 {\n}`)).toContain(msg);
  });
});
