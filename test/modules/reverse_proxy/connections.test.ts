// reverse_proxy connections: keep-alive reuse towards the upstream, a client
// that hangs up ends the upstream exchange too, and passive health checks
// (fail_duration) take a failing upstream out of rotation for a while.
import { request } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { send, site, type Site } from '../../support/client.js';
import { freePort } from '../../support/net.js';
import { type Backend, backend, echoBackend } from './backends.js';

const proxy = (dials: string[], extra: Record<string, unknown> = {}) => ({ handler: 'reverse_proxy', upstreams: dials.map((dial) => ({ dial })), ...extra });

describe('upstream connections', () => {
  let counted: Backend, hang: Backend, s: Site;
  let connections = 0;
  let hangClosed: Promise<void>;
  let onHangClosed: () => void;
  beforeAll(async () => {
    counted = await echoBackend('counted');
    counted.server.on('connection', () => connections++);
    hangClosed = new Promise((r) => (onHangClosed = r));
    hang = await backend((req, res) => {
      res.write('started');
      // Never ends; the test checks the proxy lets go when its client does.
      req.socket.on('close', () => onHangClosed());
    });
    s = await site([
      { match: [{ path: ['/ka'] }], handle: [proxy([counted.dial])] },
      { match: [{ path: ['/noka'] }], handle: [proxy([counted.dial], { transport: { protocol: 'http', keep_alive: { enabled: false } } })] },
      { match: [{ path: ['/hang'] }], handle: [proxy([hang.dial])] },
    ]);
  });
  afterAll(async () => {
    await s?.stop();
    await counted?.close();
    await hang?.close();
  });

  it('sequential requests reuse one upstream connection (keep-alive)', async () => {
    connections = 0;
    for (let i = 0; i < 5; i++) expect((await send(s.port, '/ka')).status).toBe(200);
    expect(connections).toBe(1);
  });
  it('keep_alive disabled: a connection per request', async () => {
    connections = 0;
    for (let i = 0; i < 3; i++) expect((await send(s.port, '/noka')).status).toBe(200);
    expect(connections).toBe(3);
  });
  it('a client that hangs up mid-response closes the upstream request too', async () => {
    await new Promise<void>((resolve, reject) => {
      const req = request({ host: '127.0.0.1', port: s.port, path: '/hang', agent: false }, (res) => {
        res.once('data', () => {
          req.destroy();
          resolve();
        });
      });
      req.on('error', () => {});
      setTimeout(() => reject(new Error('no first chunk within 5 s')), 5000).unref();
      req.end();
    });
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([hangClosed, new Promise((_, rej) => (timer = setTimeout(() => rej(new Error('upstream connection still open after 3 s')), 3000)))]);
    clearTimeout(timer);
  });
});

describe('passive health checks', () => {
  let live: Backend, failing: Backend, s: Site;
  let failingHits = 0;
  beforeAll(async () => {
    live = await echoBackend('live');
    failing = await backend((_req, res) => {
      failingHits++;
      res.statusCode = 503;
      res.end('down');
    });
    const dead = `127.0.0.1:${await freePort()}`;
    const first = { selection_policy: { policy: 'first' } };
    s = await site([
      { match: [{ path: ['/dial'] }], handle: [proxy([dead, live.dial], { load_balancing: { ...first, retries: 1 }, health_checks: { passive: { fail_duration: '5s' } } })] },
      { match: [{ path: ['/status'] }], handle: [proxy([failing.dial, live.dial], { load_balancing: first, health_checks: { passive: { fail_duration: '300ms', unhealthy_status: [5] } } })] },
    ]);
  });
  afterAll(async () => {
    await s?.stop();
    await live?.close();
    await failing?.close();
  });

  it('a failed dial marks the upstream down for fail_duration: the retry and later requests go elsewhere', async () => {
    for (let i = 0; i < 3; i++) {
      const r = await send(s.port, '/dial');
      expect(r.status).toBe(200);
      expect(JSON.parse(r.text).name).toBe('live');
    }
  });
  it('an unhealthy status is passed on once, then the upstream rests until fail_duration passes', async () => {
    failingHits = 0;
    expect((await send(s.port, '/status')).status).toBe(503);
    expect((await send(s.port, '/status')).status).toBe(200);
    expect(failingHits).toBe(1);
    await new Promise((r) => setTimeout(r, 400));
    expect((await send(s.port, '/status')).status).toBe(503);
    expect(failingHits).toBe(2);
  });
});
