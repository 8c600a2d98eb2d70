// The `metrics` handler and the http app's metrics, through real sockets:
// Caddy's names, HELP texts, labels and buckets in a text a Prometheus
// parser accepts; nothing collected unless `metrics` is configured.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { respond, send } from '../../support/client.js';
import { freePort, logCollector, serve } from '../../support/net.js';
import { find, parseProm, value } from './prom_text.js';

const scrapeRoute = { match: [{ path: ['/metrics'] }], handle: [{ handler: 'metrics' }] };

async function server(name: string, routes: unknown[], app: Record<string, unknown> = {}, srv: Record<string, unknown> = {}) {
  const port = await freePort();
  const logs = logCollector();
  const { stop } = await serve({ ...app, servers: { [name]: { listen: [`127.0.0.1:${port}`], routes, ...srv } } }, logs.log);
  return { port, stop, lines: logs.lines };
}

const scrape = async (port: number, headers: Record<string, string> = {}) => send(port, '/metrics', { headers });

describe('metrics off (no `metrics` in the http app)', () => {
  it('collects nothing: no caddy_http series, only the process figures', async () => {
    const s = await server('quiet', [scrapeRoute, { handle: [respond('hi')] }]);
    try {
      for (let i = 0; i < 3; i++) expect((await send(s.port, '/x')).text).toBe('hi');
      const r = await scrape(s.port);
      expect(r.status).toBe(200);
      const e = parseProm(r.text);
      expect(e.samples.filter((x) => x.name.startsWith('caddy_http_'))).toEqual([]);
      expect(e.types.get('process_cpu_seconds_total')).toBe('counter');
      expect(value(e, 'process_resident_memory_bytes')).toBeGreaterThan(0);
      expect(value(e, 'process_start_time_seconds')).toBeGreaterThan(1.6e9);
    } finally {
      await s.stop();
    }
  });
});

describe('metrics on (apps.http.metrics)', () => {
  let s: Awaited<ReturnType<typeof server>>;
  beforeAll(async () => {
    s = await server(
      'srvM',
      [
        scrapeRoute,
        { match: [{ path: ['/hello'] }], handle: [{ handler: 'headers', response: { set: { 'X-A': ['1'] } } }, respond('hello world')], terminal: true },
        { match: [{ path: ['/teapot'] }], handle: [{ handler: 'error', status_code: 418 }], terminal: true },
        // Two top-level routes match: each is measured, the outer one around the inner (Caddy's wrapRoute).
        { match: [{ path: ['/two'] }], handle: [{ handler: 'vars', a: 'b' }] },
        { match: [{ path: ['/two'] }], handle: [respond('two')] },
      ],
      { metrics: {} },
    );
    for (let i = 0; i < 3; i++) expect((await send(s.port, '/hello')).text).toBe('hello world');
    expect((await send(s.port, '/hello', { method: 'POST', body: 'abc' })).status).toBe(200);
    expect((await send(s.port, '/teapot')).status).toBe(418);
    expect((await send(s.port, '/two')).text).toBe('two');
    expect((await send(s.port, '/nowhere')).status).toBe(200);
  });
  afterAll(() => s.stop());

  it('counts requests per server and handler (the route\'s first handler)', async () => {
    const r = await scrape(s.port);
    expect(r.headers['content-type']).toBe('text/plain; version=0.0.4; charset=utf-8');
    const e = parseProm(r.text);
    expect(e.types.get('caddy_http_requests_total')).toBe('counter');
    expect(e.help.get('caddy_http_requests_total')).toBe('Counter of HTTP(S) requests made.');
    // Newer Caddy: once per route, labelled "headers"; Caddy 2.6 wrapped each
    // handler and would also count these under handler="static_response".
    expect(value(e, 'caddy_http_requests_total', { server: 'srvM', handler: 'headers' })).toBe(4);
    expect(value(e, 'caddy_http_requests_total', { server: 'srvM', handler: 'vars' })).toBe(1);
    expect(value(e, 'caddy_http_requests_total', { server: 'srvM', handler: 'static_response' })).toBe(1);
    // A request no route matched is not measured (Caddy: no route, no instrumentation);
    // the scrape being answered counts once it is done.
    expect(find(e, 'caddy_http_requests_total', { server: 'srvM' }).reduce((n, x) => n + x.value, 0)).toBe(4 + 1 + 1 + 1);
    expect(Object.keys(find(e, 'caddy_http_requests_total')[0]!.labels).sort()).toEqual(['handler', 'server']);
  });

  it('observes duration, sizes and time to first byte with code and method, in Caddy\'s buckets', async () => {
    const e = parseProm((await scrape(s.port)).text);
    const get = { server: 'srvM', handler: 'headers', code: '200', method: 'GET' };
    expect(e.types.get('caddy_http_request_duration_seconds')).toBe('histogram');
    const buckets = find(e, 'caddy_http_request_duration_seconds_bucket', get);
    expect(buckets.map((b) => b.labels.le)).toEqual(['0.005', '0.01', '0.025', '0.05', '0.1', '0.25', '0.5', '1', '2.5', '5', '10', '+Inf']);
    expect(buckets.at(-1)!.value).toBe(3);
    for (let i = 1; i < buckets.length; i++) expect(buckets[i]!.value).toBeGreaterThanOrEqual(buckets[i - 1]!.value);
    expect(value(e, 'caddy_http_request_duration_seconds_count', get)).toBe(3);
    expect(value(e, 'caddy_http_request_duration_seconds_count', { ...get, method: 'POST' })).toBe(1);
    const sizes = find(e, 'caddy_http_response_size_bytes_bucket', get).map((b) => b.labels.le);
    expect(sizes).toEqual(['256', '1024', '4096', '16384', '65536', '262144', '1.048576e+06', '4.194304e+06', '+Inf']);
    expect(value(e, 'caddy_http_response_size_bytes_sum', get)).toBe(3 * 'hello world'.length);
    expect(value(e, 'caddy_http_response_duration_seconds_count', get)).toBe(3);
    expect(value(e, 'caddy_http_request_size_bytes_count', get)).toBe(3);
    // The POST's body (Content-Length 3) counts in its request size.
    expect(value(e, 'caddy_http_request_size_bytes_sum', { ...get, method: 'POST' })).toBeGreaterThan(value(e, 'caddy_http_request_size_bytes_sum', get)! / 3);
  });

  it('counts a handler error with its status, and in-flight requests (the scrape itself)', async () => {
    const e = parseProm((await scrape(s.port)).text);
    expect(value(e, 'caddy_http_request_errors_total', { server: 'srvM', handler: 'error' })).toBe(1);
    expect(value(e, 'caddy_http_request_duration_seconds_count', { handler: 'error', code: '418', method: 'GET' })).toBe(1);
    expect(value(e, 'caddy_http_response_size_bytes_sum', { handler: 'error', code: '418' })).toBe(0);
    expect(value(e, 'caddy_http_requests_in_flight', { server: 'srvM', handler: 'metrics' })).toBe(1);
    expect(value(e, 'caddy_http_requests_in_flight', { server: 'srvM', handler: 'headers' })).toBe(0);
  });

  it('answers OpenMetrics when asked, unless disable_openmetrics', async () => {
    const r = await scrape(s.port, { Accept: 'application/openmetrics-text;version=1.0.0,text/plain;version=0.0.4;q=0.5' });
    expect(r.headers['content-type']).toBe('application/openmetrics-text; version=1.0.0; charset=utf-8');
    expect(r.text.endsWith('# EOF\n')).toBe(true);
    expect(r.text).toContain('# TYPE caddy_http_requests counter\n');
    expect(r.text).toMatch(/^caddy_http_requests_total\{handler="headers",server="srvM"\} 4\.0$/m);
    expect(r.text).toMatch(/le="1\.0"/);

    const off = await server('srvOM', [{ handle: [{ handler: 'metrics', disable_openmetrics: true }] }]);
    try {
      const r2 = await scrape(off.port, { Accept: 'application/openmetrics-text' });
      expect(r2.headers['content-type']).toBe('text/plain; version=0.0.4; charset=utf-8');
      parseProm(r2.text);
    } finally {
      await off.stop();
    }
  });
});

describe('per_host and the deprecated server option', () => {
  it('labels configured hosts by name and every other host "_other"', async () => {
    const s = await server(
      'srvH',
      [scrapeRoute, { match: [{ host: ['a.example'] }], handle: [respond('a')] }, { handle: [respond('any')] }],
      { metrics: { per_host: true } },
      // Plain HTTP on purpose: with automatic HTTPS a public name's port serves TLS (its certificate over ACME).
      { automatic_https: { disable: true } },
    );
    try {
      await send(s.port, '/', { headers: { Host: 'a.example' } });
      await send(s.port, '/', { headers: { Host: 'A.EXAMPLE' } });
      await send(s.port, '/', { headers: { Host: 'evil.example' } });
      const e = parseProm((await scrape(s.port)).text);
      expect(value(e, 'caddy_http_requests_total', { server: 'srvH', handler: 'static_response', host: 'a.example' })).toBe(2);
      expect(value(e, 'caddy_http_requests_total', { server: 'srvH', handler: 'static_response', host: '_other' })).toBe(1);
      expect(find(e, 'caddy_http_request_duration_seconds_count', { server: 'srvH', host: 'a.example' })).toHaveLength(1);
    } finally {
      await s.stop();
    }
  });

  it("a server's `metrics` turns them on, with Caddy's deprecation warning", async () => {
    const s = await server('srvD', [scrapeRoute, { handle: [respond('d')] }], {}, { metrics: {} });
    try {
      await send(s.port, '/');
      const e = parseProm((await scrape(s.port)).text);
      expect(value(e, 'caddy_http_requests_total', { server: 'srvD', handler: 'static_response' })).toBe(1);
      expect(s.lines.some((l) => l.level === 'warn' && l.msg === "per-server 'metrics' is deprecated; use 'metrics' in the root 'http' app instead")).toBe(true);
    } finally {
      await s.stop();
    }
  });
});

describe('decoding', () => {
  const refused = async (http: Record<string, unknown>) => {
    const port = await freePort();
    const base = { servers: { srv0: { listen: [`127.0.0.1:${port}`], routes: [] as unknown[] } } };
    const merged = { ...base, ...http, servers: { srv0: { ...base.servers.srv0, ...((http.srv0 as object) ?? {}) } } };
    delete (merged as Record<string, unknown>).srv0;
    return serve(merged).then(
      async (r) => {
        await r.stop();
        return '';
      },
      (err: Error) => err.message,
    );
  };

  it('names the JSON path of what is wrong', async () => {
    expect(await refused({ srv0: { routes: [{ handle: [{ handler: 'metrics', foo: 1 }] }] } })).toContain(
      'provision http.handlers.metrics: json: unknown field "foo"',
    );
    expect(await refused({ srv0: { routes: [{ handle: [{ handler: 'metrics', disable_openmetrics: 'yes' }] }] } })).toContain(
      'disable_openmetrics: json: cannot unmarshal string into Go value of type bool',
    );
    expect(await refused({ metrics: { per_host: 1 } })).toContain('provision http: metrics.per_host: json: cannot unmarshal number into Go value of type bool');
    expect(await refused({ metrics: { nope: true } })).toContain('provision http: metrics: json: unknown field "nope"');
    expect(await refused({ srv0: { metrics: { x: 1 } } })).toContain('servers.srv0.metrics: json: unknown field "x"');
    expect(await refused({ metrics: { otlp: true } })).toContain('metrics.otlp: pushing metrics via OTLP is not supported by tsweb yet');
    expect(await refused({ metrics: { per_host: true, observe_catchall_hosts: true } })).toBe('');
  });
});
