// reverse_proxy when upstreams fail: Caddy's retry rule (a failed dial is
// always retried, a request that may have reached the backend only when it is
// idempotent and bodiless), 502 with an error log line when everything fails,
// 503 without upstreams, 504 on a response header timeout, and configs tsweb
// refuses by name instead of half-supporting them.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { send } from '../../support/client.js';
import { freePort, logCollector, serve } from '../../support/net.js';
import { type Backend, backend, echoBackend } from './backends.js';

const proxy = (dials: string[], extra: Record<string, unknown> = {}) => ({ handler: 'reverse_proxy', upstreams: dials.map((dial) => ({ dial })), ...extra });

async function siteWithLog(routes: unknown[]) {
  const port = await freePort();
  const logs = logCollector();
  const { stop } = await serve({ servers: { srv0: { listen: [`127.0.0.1:${port}`], routes } } }, logs.log);
  return { port, stop, lines: logs.lines };
}

describe('retries and failures', () => {
  let live: Backend, flaky: Backend, slow: Backend, dead: string, dead2: string;
  let s: Awaited<ReturnType<typeof siteWithLog>>;
  let flakyHits = 0;
  beforeAll(async () => {
    live = await echoBackend('live');
    // Accepts the request, then drops the connection without answering.
    flaky = await backend((req) => {
      flakyHits++;
      req.socket.destroy();
    });
    slow = await backend((_req, res) => void setTimeout(() => res.end('late'), 1500));
    dead = `127.0.0.1:${await freePort()}`;
    dead2 = `127.0.0.1:${await freePort()}`;
    // round_robin starts at the second upstream: the dead one goes second so each route tries it first.
    // (Without passive health checks Caddy does not remember failures, so `first` would retry the same dead one.)
    const first = { selection_policy: { policy: 'round_robin' } };
    s = await siteWithLog([
      { match: [{ path: ['/retry'] }], handle: [proxy([live.dial, dead], { load_balancing: { ...first, retries: 2 } })] },
      { match: [{ path: ['/noretry'] }], handle: [proxy([live.dial, dead], { load_balancing: first })] },
      { match: [{ path: ['/duration'] }], handle: [proxy([live.dial, dead], { load_balancing: { ...first, try_duration: '2s', try_interval: '50ms' } })] },
      { match: [{ path: ['/alldead'] }], handle: [proxy([dead, dead2], { load_balancing: { retries: 3, try_interval: '10ms' } })] },
      { match: [{ path: ['/flaky'] }], handle: [proxy([live.dial, flaky.dial], { load_balancing: { ...first, retries: 1 } })] },
      { match: [{ path: ['/flakypost'] }], handle: [proxy([live.dial, flaky.dial], { load_balancing: { ...first, retries: 1 } })] },
      { match: [{ path: ['/none'] }], handle: [{ handler: 'reverse_proxy', upstreams: [] }] },
      { match: [{ path: ['/timeout'] }], handle: [proxy([slow.dial], { transport: { protocol: 'http', response_header_timeout: '200ms' } })] },
      { match: [{ path: ['/dyn'] }], handle: [proxy(['127.0.0.1:{http.request.header.X-Port}'])] },
    ]);
  });
  afterAll(async () => {
    await s?.stop();
    await Promise.all([live, flaky, slow].map((b) => b?.close()));
  });

  it('a dead upstream (closed port) is skipped on retry; the next one answers', async () => {
    const r = await send(s.port, '/retry');
    expect(r.status).toBe(200);
    expect(JSON.parse(r.text).name).toBe('live');
  });
  it('a POST with a body is retried too after a failed dial, and its body arrives whole', async () => {
    const body = 'x'.repeat(100_000);
    const r = await send(s.port, '/retry', { method: 'POST', body });
    expect(r.status).toBe(200);
    expect(JSON.parse(r.text)).toMatchObject({ name: 'live', method: 'POST', bodyLength: body.length });
  });
  it('try_duration alone retries until an upstream answers', async () => {
    expect((await send(s.port, '/duration')).status).toBe(200);
  });
  it('without retries configured a dead upstream is a 502 at once', async () => {
    expect((await send(s.port, '/noretry')).status).toBe(502);
  });
  it('all upstreams dead: 502, logged on http.log.error with the dial error', async () => {
    const before = s.lines.length;
    const r = await send(s.port, '/alldead');
    expect(r.status).toBe(502);
    expect(r.text).toBe('');
    const line = s.lines.slice(before).find((l) => l.logger === 'http.log.error');
    expect(line?.level).toBe('error');
    expect(line?.msg).toMatch(/^dial tcp 127\.0\.0\.1:\d+: connect: connection refused$/);
    expect(line?.fields.status).toBe(502);
  });
  it('a GET that reached a backend which then failed is retried (idempotent, no body)', async () => {
    flakyHits = 0;
    const r = await send(s.port, '/flaky');
    expect(r.status).toBe(200);
    expect(flakyHits).toBe(1);
  });
  it('a POST that reached a backend which then failed is not retried: 502', async () => {
    flakyHits = 0;
    const r = await send(s.port, '/flakypost', { method: 'POST', body: 'data' });
    expect(r.status).toBe(502);
    expect(flakyHits).toBe(1);
  });
  it('no upstreams: 503 "no upstreams available"', async () => {
    const before = s.lines.length;
    expect((await send(s.port, '/none')).status).toBe(503);
    expect(s.lines.slice(before).some((l) => l.msg === 'no upstreams available')).toBe(true);
  });
  it('response_header_timeout: 504 when the backend is slower', async () => {
    const t0 = Date.now();
    expect((await send(s.port, '/timeout')).status).toBe(504);
    expect(Date.now() - t0).toBeLessThan(1400);
  });
  it('dial addresses with placeholders are resolved per request', async () => {
    const r = await send(s.port, '/dyn', { headers: { 'X-Port': String(live.port) } });
    expect(JSON.parse(r.text).name).toBe('live');
  });
});

describe('configs refused by name', () => {
  const load = async (handler: Record<string, unknown>) => {
    const port = await freePort();
    try {
      const { stop } = await serve({ servers: { srv0: { listen: [`127.0.0.1:${port}`], routes: [{ handle: [handler] }] } } });
      await stop();
      return '';
    } catch (err) {
      return (err as Error).message;
    }
  };
  it('handle_response, h2c, active health checks, unknown policies and transports', async () => {
    // handle_response and active health checks now load (tested in handle_response.test.ts and health_active.test.ts).
    expect(await load(proxy(['127.0.0.1:1'], { handle_response: [{ routes: [] }] }))).toBe('');
    // h2c and HTTP/2 upstreams are served now (test/proxy/grpc.test.ts); HTTP/3 ones are still refused by name.
    expect(await load(proxy(['127.0.0.1:1'], { transport: { protocol: 'http', versions: ['h2c', '2'] } }))).toBe('');
    expect(await load(proxy(['127.0.0.1:1'], { transport: { protocol: 'http', versions: ['3'] } }))).toMatch(/HTTP\/3 upstreams are not supported by tsweb yet/);
    expect(await load(proxy(['127.0.0.1:1'], { load_balancing: { selection_policy: { policy: 'weighted_round_robin' } } }))).toMatch(/weighted_round_robin/);
    expect(await load(proxy(['127.0.0.1:1'], { transport: { protocol: 'uwsgi' } }))).toMatch(/module not supported by tsweb yet: http\.reverse_proxy\.transport\.uwsgi/);
    expect(await load(proxy(['127.0.0.1:1'], { health_checks: { active: { uri: '/healthz' } } }))).toBe('');
    expect(await load(proxy(['127.0.0.1:1']))).toBe('');
  });
});
