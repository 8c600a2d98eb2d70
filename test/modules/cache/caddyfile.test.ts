// The `cache` directive and global option with caddyserver/cache-handler's syntax.
import { describe, expect, it } from 'vitest';
import { adaptCaddyfile } from '../../../src/adapt/index.js';
import { decodeCache } from '../../../src/modules/cache/config.js';
import { adaptError, handlers, runDirectives } from '../../adapt/handlers-harness.js';

type Route = { handle?: Array<Record<string, unknown>>; match?: unknown };
const routesOf = (caddyfile: string) => {
  const r = adaptCaddyfile(caddyfile, 'Caddyfile');
  const servers = (r.config as { apps: { http: { servers: Record<string, { routes: Route[] }> } } }).apps.http.servers;
  return { routes: Object.values(servers)[0]!.routes, warnings: r.warnings, config: r.config };
};
const flat = (routes: Route[]): Array<Record<string, unknown>> =>
  routes.flatMap((r) => (r.handle ?? []).flatMap((h) => (h.handler === 'subroute' ? flat(h.routes as Route[]) : [h])));

describe('cache directive', () => {
  it('alone: the handler with cache-handler\'s default ttl (120s)', () => {
    expect(handlers('cache')).toEqual([{ handler: 'cache', ttl: 120e9 }]);
  });

  it('reads every supported option', () => {
    const out = handlers(`cache {
	ttl 30s
	stale 1m
	default_cache_control "public, max-age=10"
	allowed_http_verbs GET HEAD
	cache_name Edge
	mode bypass_request
	max_cacheable_body_bytes 1MB
	memory_limit 16MiB
	x_cache_status
	key {
		disable_body
		disable_host
		disable_method
		disable_query
		disable_scheme
		hide
		headers X-Token Authorization
	}
}`);
    expect(out).toEqual([
      {
        handler: 'cache',
        ttl: 30e9,
        stale: 60e9,
        default_cache_control: 'public, max-age=10',
        allowed_http_verbs: ['GET', 'HEAD'],
        cache_name: 'Edge',
        mode: 'bypass_request',
        max_cacheable_body_bytes: 1_000_000,
        memory_limit: 16 << 20,
        x_cache_status: true,
        key: { disable_body: true, disable_host: true, disable_method: true, disable_query: true, disable_scheme: true, hide: true, headers: ['X-Token', 'Authorization'] },
      },
    ]);
    // What the adapter writes, the handler's decoder takes.
    const c = decodeCache(out[0] as Record<string, unknown>);
    expect(c.ttlMs).toBe(30_000);
    expect(c.bypassRequest).toBe(true);
    expect(c.bypassResponse).toBe(false);
  });

  it('accepts the plugin\'s storage/API options with a warning naming them', () => {
    const run = runDirectives(`cache {
	otter {
		configuration {
			size 1000
		}
	}
	api {
		prometheus
	}
	timeout {
		backend 10s
	}
	ttl 5s
}`);
    expect((run.values[0]!.value as { handle: unknown[] }).handle).toEqual([{ handler: 'cache', ttl: 5e9 }]);
    expect(run.warnings.map((w) => w.message)).toEqual(['cache: options not supported by tsweb yet, ignored: otter, api.prometheus, timeout']);
  });

  it('api { souin } needs nothing (the Souin routes are always on the admin endpoint); a moved basepath is reported', () => {
    const quiet = runDirectives(`cache {
	api {
		basepath /souin-api
		souin
	}
}`);
    expect(quiet.warnings).toEqual([]);
    const moved = runDirectives(`cache {
	api {
		basepath /cache-api
		souin {
			basepath /x
		}
	}
}`);
    expect(moved.warnings.map((w) => w.message)).toEqual(['cache: options not supported by tsweb yet, ignored: api.basepath, api.souin.basepath']);
  });

  it.each([
    ['ttl', 'Wrong argument count'],
    ['ttl forever', 'parsing ttl: time: invalid duration "forever"'],
    ['mode lenient', "unknown cache mode 'lenient'"],
    ['cache_keys {\n\t\t.*\\.css {\n\t\t\tdisable_body\n\t\t}\n\t}', "cache: 'cache_keys' is not supported by tsweb yet"],
    ['regex {\n\t\texclude /admin.*\n\t}', "cache: 'regex' is not supported by tsweb yet"],
    ['purge_everything', "unrecognized cache option 'purge_everything'"],
    ['key {\n\t\tdisable_everything\n\t}', "unrecognized cache key option 'disable_everything'"],
  ])('refuses %j', (line, msg) => {
    expect(adaptError(`cache {\n\t${line}\n}`)).toContain(msg);
  });

  it('runs before rewrite and reverse_proxy, as the plugin registers it', () => {
    const { routes } = routesOf(':8080 {\n\treverse_proxy 127.0.0.1:9\n\trewrite /x /y\n\tcache\n}\n');
    expect(flat(routes).map((h) => h.handler)).toEqual(['cache', 'rewrite', 'reverse_proxy']);
  });

  it('takes the global option as its defaults, field by field; no app is emitted', () => {
    const { routes, config } = routesOf(`{
	cache {
		ttl 1h
		stale 10m
		cache_name Global
		key {
			disable_host
		}
	}
}
:8080 {
	cache {
		ttl 10s
	}
	reverse_proxy 127.0.0.1:9
}
`);
    expect(flat(routes)[0]).toEqual({ handler: 'cache', ttl: 10e9, stale: 600e9, cache_name: 'Global', key: { disable_host: true } });
    expect(Object.keys((config as { apps: object }).apps)).toEqual(['http']);
  });
});

describe('cache JSON', () => {
  it('refuses methods whose body would belong in the key, and the options that change sharing', () => {
    expect(() => decodeCache({ handler: 'cache', allowed_http_verbs: ['GET', 'POST'] })).toThrow('allowed_http_verbs[1]: caching POST responses is not supported by tsweb yet');
    expect(() => decodeCache({ handler: 'cache', regex: { exclude: '/x' } })).toThrow('regex: not supported by tsweb yet');
    expect(() => decodeCache({ handler: 'cache', colour: 'red' })).toThrow('json: unknown field "colour"');
    expect(() => decodeCache({ handler: 'cache', ttl: 'soon' })).toThrow();
  });

  it('takes durations as nanoseconds or Go strings, and defaults as cache-handler has them', () => {
    const c = decodeCache({ handler: 'cache', ttl: '2m', stale: 5e9 });
    expect([c.ttlMs, c.staleMs, c.cacheName, [...c.verbs]]).toEqual([120_000, 5_000, 'Souin', ['GET', 'HEAD']]);
    expect(decodeCache({ handler: 'cache', redis: { url: '127.0.0.1:6379' } }).ignored).toEqual(['redis']);
  });
});
