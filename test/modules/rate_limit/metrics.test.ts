// The caddy-ratelimit plugin's Prometheus metrics, scraped over HTTP from the
// `metrics` handler of the server that rate-limits (one process): exact
// counts after 200s and 429s, the plugin's way of counting (the last matched
// zone, zone="false" for no zone, key="" for the zone's total), the config
// series, keys per zone, disable_metrics, the bound on per-key series, and the
// rate_limit_exceeded event's log line.
import { afterEach, describe, expect, it } from 'vitest';
import { registry } from '../../../src/core/metrics/index.js';
import { formatSnapshot } from '../../../src/core/metrics/exposition.js';
import { MAX_KEY_SERIES, zoneMetrics } from '../../../src/modules/rate_limit/metrics.js';
import { Runtime } from '../../../src/runtime/runtime.js';
import { respond, send } from '../../support/client.js';
import { freePort, logCollector, serve } from '../../support/net.js';

let current: { stop: () => Promise<void> } | null = null;
afterEach(async () => {
  await current?.stop();
  current = null;
});

let zoneSeq = 0;
/** Zones keep their series by name for the life of the process, as the plugin's collectors do. */
const zoneName = (base: string) => `${base}-${++zoneSeq}`;

const limiter = (zones: Record<string, Record<string, unknown>>, extra: Record<string, unknown> = {}) => ({ handler: 'rate_limit', rate_limits: zones, ...extra });

/** A server whose /metrics is the metrics handler and whose other paths go through `handle`; `log` gets its lines from DEBUG up. */
async function serveWithMetrics(handle: unknown[], log?: ReturnType<typeof logCollector>['log']): Promise<number> {
  const port = await freePort();
  const routes = [{ match: [{ path: ['/metrics'] }], handle: [{ handler: 'metrics' }], terminal: true }, { handle }];
  if (log === undefined) {
    current = await serve({ servers: { srv0: { listen: [`127.0.0.1:${port}`], routes } } });
    return port;
  }
  const runtime = new Runtime({ log });
  current = runtime;
  await runtime.load({ logging: { logs: { default: { level: 'DEBUG' } } }, apps: { http: { servers: { srv0: { listen: [`127.0.0.1:${port}`], routes } } } } });
  return port;
}

async function scrape(port: number): Promise<string> {
  const r = await send(port, '/metrics');
  expect(r.status).toBe(200);
  return r.text;
}

/** The value of the one series `name{labels}` (labels in the exposition's sorted order), or undefined. */
function value(text: string, name: string, labels: string): number | undefined {
  const line = text.split('\n').find((l) => l.startsWith(`${name}{${labels}} `));
  return line === undefined ? undefined : Number(line.slice(line.lastIndexOf(' ') + 1));
}

async function statuses(port: number, n: number, path = '/', headers: Record<string, string> = {}): Promise<number[]> {
  const out: number[] = [];
  for (let i = 0; i < n; i++) out.push((await send(port, path, { headers })).status);
  return out;
}

describe('rate_limit metrics (the plugin’s names and labels)', () => {
  it('counts requests and 429s per zone (key="") and per key, times each decision, shows the config and the keys held', async () => {
    const zone = zoneName('per_client');
    const port = await serveWithMetrics([limiter({ [zone]: { key: '{http.request.header.X-Client}', max_events: 3, window: '1m' } }), respond('ok')]);
    expect(await statuses(port, 5, '/', { 'X-Client': 'alice' })).toEqual([200, 200, 200, 429, 429]);
    expect(await statuses(port, 1, '/', { 'X-Client': 'bob' })).toEqual([200]);
    const m = await scrape(port);
    expect(value(m, 'caddy_rate_limit_requests_total', `key="",zone="${zone}"`)).toBe(6);
    expect(value(m, 'caddy_rate_limit_requests_total', `key="alice",zone="${zone}"`)).toBe(5);
    expect(value(m, 'caddy_rate_limit_requests_total', `key="bob",zone="${zone}"`)).toBe(1);
    expect(value(m, 'caddy_rate_limit_declined_requests_total', `key="",zone="${zone}"`)).toBe(2);
    expect(value(m, 'caddy_rate_limit_declined_requests_total', `key="alice",zone="${zone}"`)).toBe(2);
    // bob was never refused: no declined series for him (client_golang makes a series on first use).
    expect(value(m, 'caddy_rate_limit_declined_requests_total', `key="bob",zone="${zone}"`)).toBeUndefined();
    expect(value(m, 'caddy_rate_limit_process_time_seconds_count', `key="",zone="${zone}"`)).toBe(6);
    expect(value(m, 'caddy_rate_limit_process_time_seconds_bucket', `key="alice",zone="${zone}",le="1"`)).toBe(5);
    expect(value(m, 'caddy_rate_limit_process_time_seconds_bucket', `key="alice",zone="${zone}",le="+Inf"`)).toBe(5);
    expect(value(m, 'caddy_rate_limit_config', `ipv4_prefix="0",ipv6_prefix="0",max_events="3",window="1m0s",zone="${zone}"`)).toBe(1);
    expect(value(m, 'caddy_rate_limit_keys_total', `zone="${zone}"`)).toBe(2);
    expect(m).toContain('# HELP caddy_rate_limit_declined_requests_total Total number of requests for which rate limit was applied (Declined with HTTP 429 status code returned).\n# TYPE caddy_rate_limit_declined_requests_total counter\n');
    expect(m).toContain('# TYPE caddy_rate_limit_process_time_seconds histogram\n');
    expect(m).toContain('# TYPE caddy_rate_limit_keys_total gauge\n');
  });

  it('a request let through counts under the last zone that matched it; one no zone matched under zone="false"', async () => {
    const wide = zoneName('wide');
    const api = zoneName('api');
    const port = await serveWithMetrics([
      limiter({
        [wide]: { key: 'all', max_events: 100, window: '1m' },
        [api]: { match: [{ path: ['/api/*'] }], key: '{http.request.uri.path}', max_events: 1, window: '1m', ipv4_prefix: 24 },
      }),
      respond('ok'),
    ]);
    const before = value(await scrape(port), 'caddy_rate_limit_requests_total', 'key="",zone="false"') ?? 0;
    expect(await statuses(port, 2, '/api/a')).toEqual([200, 429]);
    expect(await statuses(port, 3, '/page')).toEqual([200, 200, 200]);
    const m = await scrape(port);
    // /api/a passed both zones: counted once, under the tighter one (zones run most permissive first).
    expect(value(m, 'caddy_rate_limit_requests_total', `key="",zone="${api}"`)).toBe(2);
    expect(value(m, 'caddy_rate_limit_requests_total', `key="/api/a",zone="${api}"`)).toBe(2);
    expect(value(m, 'caddy_rate_limit_declined_requests_total', `key="/api/a",zone="${api}"`)).toBe(1);
    expect(value(m, 'caddy_rate_limit_requests_total', `key="",zone="${wide}"`)).toBe(3);
    expect(value(m, 'caddy_rate_limit_requests_total', `key="all",zone="${wide}"`)).toBe(3);
    expect(value(m, 'caddy_rate_limit_config', `ipv4_prefix="24",ipv6_prefix="0",max_events="1",window="1m0s",zone="${api}"`)).toBe(1);

    // A handler whose zones all have matchers: a request none matches.
    await current!.stop();
    const only = zoneName('only');
    const port2 = await serveWithMetrics([limiter({ [only]: { match: [{ method: ['POST'] }], key: 'k', max_events: 1, window: '1m' } }), respond('ok')]);
    expect(await statuses(port2, 2, '/x')).toEqual([200, 200]);
    const m2 = await scrape(port2);
    expect(value(m2, 'caddy_rate_limit_requests_total', 'key="",zone="false"')).toBe(before + 2);
    expect(value(m2, 'caddy_rate_limit_process_time_seconds_count', 'key="",zone="false"')).toBeGreaterThanOrEqual(2);
    expect(value(m2, 'caddy_rate_limit_requests_total', `key="",zone="${only}"`)).toBeUndefined();
  });

  it('disable_metrics: the handler adds no series, not even its config', async () => {
    const zone = zoneName('quiet');
    const port = await serveWithMetrics([limiter({ [zone]: { key: 'k', max_events: 1, window: '1m' } }, { disable_metrics: true }), respond('ok')]);
    expect(await statuses(port, 2)).toEqual([200, 429]);
    const m = await scrape(port);
    expect(m).not.toContain(`zone="${zone}"`);
  });

  it('a reload keeps the counts and counts the zone’s config once more, as the plugin’s collectors outlive a config', async () => {
    const zone = zoneName('reload');
    const port = await freePort();
    const config = (body: string) => ({
      apps: {
        http: {
          servers: {
            srv0: {
              listen: [`127.0.0.1:${port}`],
              routes: [{ match: [{ path: ['/metrics'] }], handle: [{ handler: 'metrics' }], terminal: true }, { handle: [limiter({ [zone]: { key: 'k', max_events: 2, window: '90s' } }), respond(body)] }],
            },
          },
        },
      },
    });
    const runtime = new Runtime();
    current = runtime;
    await runtime.load(config('one'));
    expect(await statuses(port, 1)).toEqual([200]);
    await runtime.load(config('two'));
    expect(await statuses(port, 2)).toEqual([200, 429]);
    const m = await scrape(port);
    expect(value(m, 'caddy_rate_limit_requests_total', `key="k",zone="${zone}"`)).toBe(3);
    expect(value(m, 'caddy_rate_limit_declined_requests_total', `key="k",zone="${zone}"`)).toBe(1);
    expect(value(m, 'caddy_rate_limit_config', `ipv4_prefix="0",ipv6_prefix="0",max_events="2",window="1m30s",zone="${zone}"`)).toBe(2);
    // The old config's handler let go of its zone: the table is reported once.
    expect(m.split('\n').filter((l) => l.startsWith(`caddy_rate_limit_keys_total{zone="${zone}"}`))).toEqual([`caddy_rate_limit_keys_total{zone="${zone}"} 1`]);
  });

  it('an empty key is the zone total’s series, counted twice, as the plugin counts it', async () => {
    const zone = zoneName('empty');
    // `{path}` is Caddyfile shorthand: in JSON it is no placeholder, and the key comes out empty.
    const port = await serveWithMetrics([limiter({ [zone]: { key: '{path}', max_events: 1, window: '1m' } }), respond('ok')]);
    expect(await statuses(port, 2)).toEqual([200, 429]);
    const m = await scrape(port);
    expect(value(m, 'caddy_rate_limit_requests_total', `key="",zone="${zone}"`)).toBe(4);
    expect(value(m, 'caddy_rate_limit_declined_requests_total', `key="",zone="${zone}"`)).toBe(2);
  });

  it('a zone keeps per-key series for its first MAX_KEY_SERIES keys; the rest count in its total only', () => {
    const zone = zoneName('many');
    const z = zoneMetrics(zone);
    for (let i = 0; i < MAX_KEY_SERIES + 500; i++) z.count(`client-${i}`, 0.0001, i % 2 === 0);
    z.count('client-0', 0.0001, false);
    const m = formatSnapshot(registry.snapshot());
    const series = m.split('\n').filter((l) => l.startsWith('caddy_rate_limit_requests_total{') && l.includes(`zone="${zone}"`));
    expect(series).toHaveLength(MAX_KEY_SERIES + 1);
    expect(value(m, 'caddy_rate_limit_requests_total', `key="",zone="${zone}"`)).toBe(MAX_KEY_SERIES + 501);
    expect(value(m, 'caddy_rate_limit_declined_requests_total', `key="",zone="${zone}"`)).toBe((MAX_KEY_SERIES + 500) / 2);
    expect(value(m, 'caddy_rate_limit_requests_total', `key="client-0",zone="${zone}"`)).toBe(2);
    expect(value(m, 'caddy_rate_limit_requests_total', `key="client-${MAX_KEY_SERIES}",zone="${zone}"`)).toBeUndefined();
  });

  it('OpenMetrics: caddy_rate_limit_config, a counter without _total, is typed unknown as expfmt writes it', async () => {
    const zone = zoneName('om');
    const port = await serveWithMetrics([limiter({ [zone]: { key: 'k', max_events: 1, window: '1s' } }), respond('ok')]);
    const r = await send(port, '/metrics', { headers: { Accept: 'application/openmetrics-text; version=1.0.0' } });
    expect(r.text).toContain('# TYPE caddy_rate_limit_config unknown\n');
    expect(r.text).toContain(`caddy_rate_limit_config{ipv4_prefix="0",ipv6_prefix="0",max_events="1",window="1s",zone="${zone}"} 1.0\n`);
  });

  it('the rate_limit_exceeded event is logged as Caddy’s events app logs it; "rate limit metrics enabled" at load', async () => {
    const zone = zoneName('evt');
    const { log, lines } = logCollector();
    const port = await serveWithMetrics([limiter({ [zone]: { key: 'k', max_events: 1, window: '20s' } }), respond('ok')], log);
    expect(lines.filter((l) => l.msg === 'rate limit metrics enabled' && l.logger === 'http.handlers.rate_limit')).toHaveLength(1);
    expect(await statuses(port, 2)).toEqual([200, 429]);
    const events = lines.filter((l) => l.logger === 'events');
    expect(events).toHaveLength(1);
    const e = events[0]!;
    expect(e).toMatchObject({ level: 'debug', msg: 'event', fields: { name: 'rate_limit_exceeded', origin: 'http.handlers.rate_limit', data: { remote_ip: '127.0.0.1', zone } } });
    expect(e.fields['id']).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    // Go's json of a time.Duration: integer nanoseconds, the same wait the info line reports in seconds.
    const wait = (e.fields['data'] as Record<string, unknown>)['wait'] as number;
    expect(Number.isInteger(wait)).toBe(true);
    expect(wait).toBeGreaterThan(15e9);
    expect(wait).toBeLessThanOrEqual(20e9);
    expect(Object.keys(e.fields['data'] as object)).toEqual(['remote_ip', 'wait', 'zone']);
    const info = lines.findIndex((l) => l.msg === 'rate limit exceeded');
    expect(info).toBeGreaterThanOrEqual(0);
    expect(info).toBeLessThan(lines.indexOf(e));
  });
});
