// The caddy-ratelimit plugin's Caddyfile syntax adapts to the plugin's JSON.
// (The directive harness skips the adapter's shorthand expansion: {remote_host}
// stays as written there; the whole-Caddyfile case below shows it expanded.)
import { describe, expect, it } from 'vitest';
import { adaptCaddyfile } from '../../../src/adapt/index.js';
import { adaptError, handlers } from '../../adapt/handlers-harness.js';

describe('rate_limit Caddyfile', () => {
  it("adapts the plugin README's example to the plugin's JSON", () => {
    const out = handlers(`rate_limit {
	zone static_example {
		match {
			method GET
		}
		key static
		events 100
		window 1m
	}
	zone dynamic_example {
		key {remote_host}
		events 2
		window 5s
		ipv4_prefix 24
		ipv6_prefix 64
	}
	jitter 0.2
	sweep_interval 30s
	log_key
	disable_metrics
}`);
    expect(out).toEqual([
      {
        handler: 'rate_limit',
        rate_limits: {
          static_example: { match: [{ method: ['GET'] }], key: 'static', max_events: 100, window: 60e9 },
          dynamic_example: { key: '{remote_host}', max_events: 2, window: 5e9, ipv4_prefix: 24, ipv6_prefix: 64 },
        },
        jitter: 0.2,
        sweep_interval: 30e9,
        log_key: true,
        disable_metrics: true,
      },
    ]);
  });

  it('takes several match blocks (ORed) and a storage module (unused without distributed)', () => {
    const out = handlers(`rate_limit {
	zone z {
		match {
			path /api/*
		}
		match {
			header X-Limit yes
		}
		key {header.X-Client}
		events 1
		window 1d
	}
	storage file_system /tmp/rl
}`);
    expect(out).toEqual([
      {
        handler: 'rate_limit',
        rate_limits: { z: { match: [{ path: ['/api/*'] }, { header: { 'X-Limit': ['yes'] } }], key: '{header.X-Client}', max_events: 1, window: 86_400e9 } },
        storage: { module: 'file_system', root: '/tmp/rl' },
      },
    ]);
  });

  it.each([
    ['rate_limit foo', 'Wrong argument count'],
    ['rate_limit {\n\tzone\n}', 'Wrong argument count'],
    ['rate_limit {\n\tzone z {\n\t\tkey a\n\t\tevents 1\n\t}\n}', 'a rate limit zone requires both a window and maximum events'],
    ['rate_limit {\n\tzone z {\n\t\tkey a\n\t\twindow 1s\n\t}\n}', 'a rate limit zone requires both a window and maximum events'],
    ['rate_limit {\n\tzone z {\n\t\tevents 0\n\t\twindow 1s\n\t}\n}', 'a rate limit zone requires both a window and maximum events'],
    ['rate_limit {\n\tzone z {\n\t\tevents x\n\t}\n}', `invalid max events integer 'x': strconv.Atoi: parsing "x": invalid syntax`],
    ['rate_limit {\n\tzone z {\n\t\twindow 5\n\t}\n}', `invalid window duration '5': time: missing unit in duration "5"`],
    ['rate_limit {\n\tzone z {\n\t\tkey a\n\t\tkey b\n\t}\n}', 'zone key already specified: a'],
    ['rate_limit {\n\tzone z {\n\t\twindow 1m\n\t\twindow 2m\n\t}\n}', 'zone window already specified: 1m0s'],
    ['rate_limit {\n\tzone z {\n\t\tburst 5\n\t}\n}', "unrecognized subdirective 'burst'"],
    ['rate_limit {\n\tzone z {\n\t\tmatch {\n\t\t\tbogus x\n\t\t}\n\t}\n}', "failed to parse match: getting matcher module 'bogus'"],
    ['rate_limit {\n\tjitter lots\n}', `invalid jitter percentage 'lots': strconv.ParseFloat: parsing "lots": invalid syntax`],
    ['rate_limit {\n\tsweep_interval 1m\n\tsweep_interval 2m\n}', 'sweep interval already specified: 1m0s'],
    ['rate_limit {\n\tdistributed\n}', 'distributed rate limiting is not supported by tsweb'],
    ['rate_limit {\n\tlog_key yes\n}', 'Wrong argument count'],
  ])('rejects %j', (body, msg) => {
    expect(adaptError(body)).toContain(msg);
  });

  it('runs before basic_auth, as the plugin orders it, without an `order` line', () => {
    const { config } = adaptCaddyfile(
      `:8080 {
	respond "hi"
	basic_auth {
		bob $2a$14$Zkx19XLiW6VYouLHR5NmfOFU0z2GTNmpkT/5qqR7hx4IjWJPDhjvG
	}
	rate_limit {
		zone z {
			key {remote_host}
			events 5
			window 1m
		}
	}
}`,
      'Caddyfile',
      { env: {} },
    );
    const route = (config as { apps: { http: { servers: { srv0: { routes: Array<{ handle: Array<{ handler: string }> }> } } } } }).apps.http.servers.srv0.routes[0]!;
    expect(route.handle.map((h) => h.handler)).toEqual(['rate_limit', 'authentication', 'static_response']);
    expect(route.handle[0]).toMatchObject({ rate_limits: { z: { key: '{http.request.remote.host}' } } });
  });
});
