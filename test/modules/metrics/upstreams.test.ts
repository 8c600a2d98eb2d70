// caddy_reverse_proxy_upstreams_healthy: one series per upstream of every
// loaded reverse_proxy (metrics on or not), 0 once passive health counts it down.
import { createServer, type Server } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { send } from '../../support/client.js';
import { freePort, serve } from '../../support/net.js';
import { parseProm, value } from './prom_text.js';

describe('caddy_reverse_proxy_upstreams_healthy', () => {
  let backend: Server, live: string, dead: string, port: number, stop: () => Promise<void>;
  beforeAll(async () => {
    backend = createServer((_req, res) => res.end('ok'));
    await new Promise<void>((r) => backend.listen(0, '127.0.0.1', r));
    live = `127.0.0.1:${(backend.address() as { port: number }).port}`;
    dead = `127.0.0.1:${await freePort()}`;
    port = await freePort();
    ({ stop } = await serve({
      servers: {
        srv0: {
          listen: [`127.0.0.1:${port}`],
          routes: [
            { match: [{ path: ['/metrics'] }], handle: [{ handler: 'metrics' }] },
            {
              handle: [
                {
                  handler: 'reverse_proxy',
                  upstreams: [{ dial: dead }, { dial: live }],
                  load_balancing: { selection_policy: { policy: 'first' }, retries: 1 },
                  health_checks: { passive: { fail_duration: '1m', max_fails: 1 } },
                },
              ],
            },
          ],
        },
      },
    }));
  });
  afterAll(async () => {
    await stop();
    backend.close();
  });

  it('reads 1 for a healthy upstream and 0 for one the passive checks took out', async () => {
    let e = parseProm((await send(port, '/metrics')).text);
    expect(e.types.get('caddy_reverse_proxy_upstreams_healthy')).toBe('gauge');
    expect(e.help.get('caddy_reverse_proxy_upstreams_healthy')).toBe('Health status of reverse proxy upstreams.');
    expect(value(e, 'caddy_reverse_proxy_upstreams_healthy', { upstream: dead })).toBe(1);
    expect(value(e, 'caddy_reverse_proxy_upstreams_healthy', { upstream: live })).toBe(1);

    // The dial to the dead one fails (a failure counted), the retry reaches the live one.
    expect((await send(port, '/')).text).toBe('ok');
    e = parseProm((await send(port, '/metrics')).text);
    expect(value(e, 'caddy_reverse_proxy_upstreams_healthy', { upstream: dead })).toBe(0);
    expect(value(e, 'caddy_reverse_proxy_upstreams_healthy', { upstream: live })).toBe(1);
    // No `metrics` in the http app: the gauge is there, the HTTP series are not.
    expect(e.samples.filter((s) => s.name.startsWith('caddy_http_'))).toEqual([]);
  });

  it('goes away with the config that had the upstreams', async () => {
    const p2 = await freePort();
    const other = await serve({ servers: { srv0: { listen: [`127.0.0.1:${p2}`], routes: [{ handle: [{ handler: 'metrics' }] }] } } });
    try {
      await stop();
      stop = () => Promise.resolve();
      const e = parseProm((await send(p2, '/metrics')).text);
      expect(e.samples.filter((s) => s.name === 'caddy_reverse_proxy_upstreams_healthy')).toEqual([]);
    } finally {
      await other.stop();
    }
  });
});
