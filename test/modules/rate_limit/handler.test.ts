// rate_limit served by the engine on a real listener: 429 with Retry-After
// exactly past the limit, keys from placeholders, match blocks, handle_errors,
// the log line, the sliding window (Date faked, sockets real) and load errors.
import { afterEach, describe, expect, it, vi } from 'vitest';
import { Runtime } from '../../../src/runtime/runtime.js';
import { respond, send, site, type Site } from '../../support/client.js';
import { freePort, logCollector, serve } from '../../support/net.js';

let current: Site | { stop: () => Promise<void> } | null = null;
afterEach(async () => {
  vi.useRealTimers();
  await current?.stop();
  current = null;
});

let zoneSeq = 0;
/** A zone name no other test has used: zones keep their counts by name across configs, as in the plugin. */
const zoneName = (base: string) => `${base}-${process.pid}-${++zoneSeq}`;

function limiter(zones: Record<string, Record<string, unknown>>, extra: Record<string, unknown> = {}) {
  return { handler: 'rate_limit', rate_limits: zones, ...extra };
}

async function serveRoutes(routes: unknown[], extra: Record<string, unknown> = {}): Promise<Site> {
  const s = await site(routes, extra);
  current = s;
  return s;
}

async function statuses(port: number, n: number, path = '/', headers: Record<string, string> = {}): Promise<number[]> {
  const out: number[] = [];
  for (let i = 0; i < n; i++) out.push((await send(port, path, { headers })).status);
  return out;
}

describe('rate_limit handler', () => {
  it('lets exactly `events` requests through per window; the next gets 429 with Retry-After and an empty body', async () => {
    const s = await serveRoutes([{ handle: [limiter({ [zoneName('static')]: { key: 'static', max_events: 3, window: '1m' } }), respond('ok')] }]);
    expect(await statuses(s.port, 3)).toEqual([200, 200, 200]);
    const r = await send(s.port, '/');
    expect(r.status).toBe(429);
    expect(r.text).toBe('');
    const after = Number(r.headers['retry-after']);
    expect(after).toBeGreaterThanOrEqual(55);
    expect(after).toBeLessThanOrEqual(60);
  });

  it('keys by a header: each client has its own count', async () => {
    const s = await serveRoutes([{ handle: [limiter({ [zoneName('hdr')]: { key: '{http.request.header.X-Api-Key}', max_events: 2, window: '1m' } }), respond('ok')] }]);
    expect(await statuses(s.port, 3, '/', { 'X-Api-Key': 'alice' })).toEqual([200, 200, 429]);
    expect(await statuses(s.port, 3, '/', { 'X-Api-Key': 'bob' })).toEqual([200, 200, 429]);
  });

  it('keys by path, and by remote host (one client here)', async () => {
    const s = await serveRoutes([
      {
        handle: [
          limiter({
            [zoneName('path')]: { key: '{http.request.uri.path}', max_events: 1, window: '1m' },
            [zoneName('host')]: { key: '{http.request.remote.host}', max_events: 3, window: '1m' },
          }),
          respond('ok'),
        ],
      },
    ]);
    expect((await send(s.port, '/a')).status).toBe(200);
    expect((await send(s.port, '/a')).status).toBe(429); // the path zone
    expect((await send(s.port, '/b')).status).toBe(200);
    // The host zone is the more permissive, so it counts first: /a's refused request counted there too.
    expect((await send(s.port, '/c')).status).toBe(429);
  });

  it('a zone with match blocks counts only the requests they match', async () => {
    const s = await serveRoutes([{ handle: [limiter({ [zoneName('api')]: { match: [{ path: ['/api/*'] }, { method: ['POST'] }], key: 'k', max_events: 1, window: '1m' } }), respond('ok')] }]);
    expect((await send(s.port, '/api/x')).status).toBe(200);
    expect((await send(s.port, '/api/y')).status).toBe(429);
    expect((await send(s.port, '/static', { method: 'POST' })).status).toBe(429);
    expect(await statuses(s.port, 5, '/static')).toEqual([200, 200, 200, 200, 200]);
  });

  it('handle_errors catches the 429 with {http.rate_limit.exceeded.name}; Retry-After stays; the log line names the zone', async () => {
    const zone = zoneName('errs');
    const { log, lines } = logCollector();
    const port = await freePort();
    const routes = [{ handle: [limiter({ [zone]: { key: '{http.request.header.X-Client}', max_events: 1, window: '30s' } }, { log_key: true }), respond('ok')] }];
    const errors = { routes: [{ handle: [respond('{http.error.status_code} {http.error.message}: slow down ({http.rate_limit.exceeded.name})')] }] };
    current = await serve({ servers: { srv0: { listen: [`127.0.0.1:${port}`], routes, errors } } }, log);
    expect((await send(port, '/', { headers: { 'X-Client': 'c1' } })).status).toBe(200);
    const r = await send(port, '/', { headers: { 'X-Client': 'c1' } });
    expect(r.status).toBe(429); // a respond in an error route defaults to the error's status, as in Caddy
    expect(r.text).toBe(`429 Too Many Requests: slow down (${zone})`);
    expect(Number(r.headers['retry-after'])).toBeGreaterThanOrEqual(25);
    const line = lines.find((l) => l.msg === 'rate limit exceeded');
    expect(line).toMatchObject({ level: 'info', logger: 'http.handlers.rate_limit', fields: { zone, remote_ip: '127.0.0.1', key: 'c1' } });
    // A duration: seconds, as zap's default encoder writes it.
    expect(line!.fields['wait']).toBeGreaterThan(25);
    expect(line!.fields['wait']).toBeLessThanOrEqual(30);
  });

  it('the key is not logged without log_key', async () => {
    const { log, lines } = logCollector();
    const port = await freePort();
    current = await serve({ servers: { srv0: { listen: [`127.0.0.1:${port}`], routes: [{ handle: [limiter({ [zoneName('nolog')]: { key: 'secret-token', max_events: 1, window: '1m' } }), respond('ok')] }] } } }, log);
    await statuses(port, 2);
    const line = lines.find((l) => l.msg === 'rate limit exceeded');
    expect(line).toBeDefined();
    expect(line!.fields).not.toHaveProperty('key');
  });

  it('the window slides: a refused client gets in again as its oldest request leaves the window', async () => {
    vi.useFakeTimers({ toFake: ['Date'], now: 1_800_000_000_000 });
    const s = await serveRoutes([{ handle: [limiter({ [zoneName('slide')]: { key: 'k', max_events: 2, window: '10s' } }), respond('ok')] }]);
    expect((await send(s.port, '/')).status).toBe(200); // t=0
    vi.setSystemTime(1_800_000_004_000);
    expect((await send(s.port, '/')).status).toBe(200); // t=4s
    vi.setSystemTime(1_800_000_009_000);
    const r = await send(s.port, '/');
    expect(r.status).toBe(429);
    expect(r.headers['retry-after']).toBe('2'); // the t=0 request leaves at t=10s: 1 s, rounded up as the plugin does (1 s + 0.5 → 2 on a tie)
    vi.setSystemTime(1_800_000_010_000);
    expect((await send(s.port, '/')).status).toBe(200); // t=10s: t=0 has left
    expect((await send(s.port, '/')).status).toBe(429); // t=4s and t=10s are in the window
    vi.setSystemTime(1_800_000_013_500);
    expect((await send(s.port, '/')).status).toBe(429);
    vi.setSystemTime(1_800_000_014_000);
    expect((await send(s.port, '/')).status).toBe(200);
  });

  it('jitter adds up to its share of the wait to Retry-After', async () => {
    const s = await serveRoutes([{ handle: [limiter({ [zoneName('jit')]: { key: 'k', max_events: 1, window: '100s' } }, { jitter: 0.5 }), respond('ok')] }]);
    await send(s.port, '/');
    const waits = await Promise.all(Array.from({ length: 10 }, async () => Number((await send(s.port, '/')).headers['retry-after'])));
    for (const w of waits) {
      expect(w).toBeGreaterThanOrEqual(95);
      expect(w).toBeLessThanOrEqual(151);
    }
    expect(Math.max(...waits)).toBeGreaterThan(101);
  });

  it.each([
    [{ rate_limits: { z: { key: 'k', max_events: 1 } } }, 'rate_limits.z: setting up rate limit z: window must be greater than zero'],
    [{ rate_limits: { z: { key: 'k', max_events: -1, window: '1s' } } }, 'max_events must be at least zero'],
    [{ rate_limits: { z: { key: 'k', max_events: 1, window: '1s', ipv4_prefix: 33 } } }, 'ipv4_prefix must be between 0 and 32'],
    [{ rate_limits: { z: { key: 'k', events: 1, window: '1s' } } }, 'rate_limits.z: json: unknown field "events"'],
    [{ jitter: -1 }, 'jitter must be at least zero'],
    [{ distributed: {}, rate_limits: { z: { key: 'k', max_events: 1, window: '1s' } } }, 'distributed: distributed rate limiting (state synced between instances through storage) is not supported by tsweb'],
  ])('refuses %j at load', async (config, msg) => {
    const runtime = new Runtime();
    const port = await freePort();
    await expect(runtime.load({ apps: { http: { servers: { srv0: { listen: [`127.0.0.1:${port}`], routes: [{ handle: [{ handler: 'rate_limit', ...config }] }] } } } } })).rejects.toThrow(msg);
    await runtime.stop();
  });

  it('accepts what the plugin accepts and tsweb does not act on: storage without distributed, disable_metrics', async () => {
    const s = await serveRoutes([
      { handle: [limiter({ [zoneName('acc')]: { key: 'k', max_events: 1, window: '1m' } }, { storage: { module: 'file_system', root: '/tmp/unused' }, disable_metrics: true, sweep_interval: '10s' }), respond('ok')] },
    ]);
    expect(await statuses(s.port, 2)).toEqual([200, 429]);
  });

  it('a reload keeps a zone’s counts (same name and events), as the plugin does', async () => {
    const zone = zoneName('reload');
    const port = await freePort();
    const config = (body: string) => ({ apps: { http: { servers: { srv0: { listen: [`127.0.0.1:${port}`], routes: [{ handle: [limiter({ [zone]: { key: 'k', max_events: 2, window: '1m' } }), respond(body)] }] } } } } });
    const runtime = new Runtime();
    current = runtime;
    await runtime.load(config('one'));
    expect((await send(port, '/')).status).toBe(200);
    await runtime.load(config('two'));
    const r = await send(port, '/');
    expect([r.status, r.text]).toEqual([200, 'two']);
    expect((await send(port, '/')).status).toBe(429);
  });
});
