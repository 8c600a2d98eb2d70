// Loading a new config into a running engine, as a user sees it from the
// outside: the switch, the refusal of bad configs, requests in flight, and
// the graceful stop. Real listeners on loopback, real clients.
import { request as httpRequest } from 'node:http';
import { afterEach, describe, expect, it } from 'vitest';
import { LoadError, Runtime } from '../../src/runtime/runtime.js';
import { registerHandler } from '../../src/core/registry.js';
import { freePort, rawExchange } from '../support/net.js';

// A handler that holds its response until the test releases it.
const gates = new Map<string, () => void>();
const started = new Map<string, Promise<void>>();
const startedResolvers = new Map<string, () => void>();
function gate(name: string): { release: () => void; started: Promise<void> } {
  started.set(name, new Promise((resolve) => startedResolvers.set(name, resolve)));
  return { release: () => gates.get(name)?.(), started: started.get(name)! };
}
registerHandler('test_gate', (config) => async (ctx) => {
  const name = String(config.name);
  await new Promise<void>((resolve) => {
    gates.set(name, resolve);
    startedResolvers.get(name)?.();
  });
  ctx.w.end(String(config.body));
});

// A handler that records when its config is cleaned up.
const cleaned: string[] = [];
registerHandler('test_cleanup', (config, env) => {
  env.onCleanup(() => void cleaned.push(String(config.name)));
  return (_ctx, next) => next();
});

const site = (port: number, body: string, extra: unknown[] = []) => ({
  listen: [`127.0.0.1:${port}`],
  routes: [...extra, { handle: [{ handler: 'static_response', body }] }],
});
const config = (servers: Record<string, unknown>, http: Record<string, unknown> = {}) => ({ apps: { http: { ...http, servers } } });

/** GET over a fresh connection (no pooling, so each request sees the current listeners). */
function get(port: number, path = '/', agentless = true): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = httpRequest({ host: '127.0.0.1', port, path, agent: agentless ? false : undefined }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (d) => (body += d));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
      res.on('error', reject);
    });
    req.on('error', reject);
    req.setTimeout(5000, () => req.destroy(new Error('client timeout')));
    req.end();
  });
}

let runtimes: Runtime[] = [];
function runtime(): Runtime {
  const r = new Runtime();
  runtimes.push(r);
  return r;
}
afterEach(async () => {
  for (const g of gates.values()) g();
  await Promise.all(runtimes.map((r) => r.stop()));
  runtimes = [];
});

describe('reload', () => {
  it('swaps the routes on the same socket: a kept-alive connection sees the new config', async () => {
    const port = await freePort();
    const r = runtime();
    await r.load(config({ s: site(port, 'A') }));
    const addrBefore = r.addresses().get('s');
    // One connection, a request before the reload and one after.
    const exchange = rawExchange(port, ['GET / HTTP/1.1\r\nHost: x\r\n\r\n', 'GET / HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n'], { gapMs: 300, limitMs: 3000 });
    await new Promise((resolve) => setTimeout(resolve, 100));
    await r.load(config({ s: site(port, 'B') }));
    const { text } = await exchange;
    expect(text.match(/\r\n\r\n([AB])/g)?.map((m) => m.trim())).toEqual(['A', 'B']);
    expect(r.addresses().get('s')).toEqual(addrBefore);
    expect((await get(port)).body).toBe('B');
  });

  it('opens new listeners and closes removed ones', async () => {
    const [p1, p2] = [await freePort(), await freePort()];
    const r = runtime();
    await r.load(config({ a: site(p1, 'one') }));
    await r.load(config({ b: site(p2, 'two') }));
    expect((await get(p2)).body).toBe('two');
    await expect(get(p1)).rejects.toThrow(/ECONNREFUSED/);
  });

  it('a config that does not provision is refused with the reason, and the old one keeps serving', async () => {
    const port = await freePort();
    const r = runtime();
    await r.load(config({ s: site(port, 'old') }));
    const bad = config({ s: { listen: [`127.0.0.1:${port}`], routes: [{ handle: [{ handler: 'static_response', status_code: 'abc' }] }] } });
    await expect(r.load(bad)).rejects.toThrow(LoadError);
    await expect(r.load(bad)).rejects.toThrow(/server s: setting up route handlers: route 0: loading handler modules: position 0: loading module 'static_response': provision http.handlers.static_response: status_code: invalid status code 'abc'/);
    await expect(r.load(config({ s: { listen: [`127.0.0.1:${port}`], routes: [{ handle: [{ handler: 'nope' }] }] } }))).rejects.toThrow(/unknown module: http.handlers.nope/);
    expect((await get(port)).body).toBe('old');
  });

  it('a config whose net log writer cannot connect (no soft_start) is refused; the old one keeps serving', async () => {
    const [port, closed] = [await freePort(), await freePort()];
    const r = runtime();
    await r.load(config({ s: site(port, 'old') }));
    const withLog = (soft: boolean) => ({
      ...config({ s: site(port, soft ? 'soft' : 'new') }),
      logging: { logs: { default: { writer: { output: 'net', address: `tcp/127.0.0.1:${closed}`, ...(soft ? { soft_start: true } : {}) } } } },
    });
    await expect(r.load(withLog(false))).rejects.toThrow(new RegExp(`setting up logging: .*dial tcp 127\\.0\\.0\\.1:${closed}: connect: connection refused`));
    expect((await get(port)).body).toBe('old');
    // soft_start: loads anyway and keeps retrying.
    await r.load(withLog(true));
    expect((await get(port)).body).toBe('soft');
  });

  it('a config whose new listener cannot open is refused; the old one keeps serving and nothing half-opens', async () => {
    const [port, taken, extra] = [await freePort(), await freePort(), await freePort()];
    const holder = runtime();
    await holder.load(config({ h: site(taken, 'holder') }));
    const r = runtime();
    await r.load(config({ s: site(port, 'old') }));
    await expect(r.load(config({ s: site(port, 'new'), t: { listen: [`127.0.0.1:${extra}`, `127.0.0.1:${taken}`] } }))).rejects.toThrow(/listening on 127\.0\.0\.1:\d+: listen EADDRINUSE/);
    expect((await get(port)).body).toBe('old');
    await expect(get(extra)).rejects.toThrow(/ECONNREFUSED/);
  });

  it('a request in flight finishes on the old config; new requests get the new one', async () => {
    const port = await freePort();
    const r = runtime();
    const g = gate('slow');
    await r.load(config({ s: site(port, 'new-unused', [{ match: [{ path: ['/slow'] }], handle: [{ handler: 'test_gate', name: 'slow', body: 'old and slow' }] }]) }));
    const slow = get(port, '/slow');
    await g.started;
    await r.load(config({ s: site(port, 'new') }));
    expect((await get(port, '/slow')).body).toBe('new');
    g.release();
    expect(await slow).toEqual({ status: 200, body: 'old and slow' });
  });

  it('the old config is cleaned up once its requests are done, not before', async () => {
    const port = await freePort();
    const r = runtime();
    const g = gate('hold');
    cleaned.length = 0;
    await r.load(config({ s: { listen: [`127.0.0.1:${port}`], routes: [{ handle: [{ handler: 'test_cleanup', name: 'first' }, { handler: 'test_gate', name: 'hold', body: 'done' }] }] } }));
    const held = get(port);
    await g.started;
    await r.load(config({ s: site(port, 'second') }));
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect(cleaned).toEqual([]);
    g.release();
    expect((await held).body).toBe('done');
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(cleaned).toEqual(['first']);
  });

  it('reloads run one at a time, in order', async () => {
    const port = await freePort();
    const r = runtime();
    await r.load(config({ s: site(port, '0') }));
    await Promise.all([1, 2, 3].map((i) => r.load(config({ s: site(port, String(i)) }))));
    expect((await get(port)).body).toBe('3');
  });
});

describe('graceful stop', () => {
  it('stops accepting, lets the request in flight finish, then closes', async () => {
    const port = await freePort();
    const r = runtime();
    const g = gate('stop');
    await r.load(config({ s: { listen: [`127.0.0.1:${port}`], routes: [{ handle: [{ handler: 'test_gate', name: 'stop', body: 'finished' }] }] } }));
    const inflight = get(port);
    await g.started;
    const stopping = r.stop();
    await new Promise((resolve) => setTimeout(resolve, 100));
    await expect(get(port)).rejects.toThrow(/ECONNREFUSED/);
    g.release();
    expect((await inflight).body).toBe('finished');
    await stopping;
  });

  it('shutdown_delay keeps serving for a while before the stop begins', async () => {
    const port = await freePort();
    const r = runtime();
    await r.load(config({ s: site(port, 'still here') }, { shutdown_delay: '400ms' }));
    const t0 = Date.now();
    const stopping = r.stop();
    await new Promise((resolve) => setTimeout(resolve, 150));
    expect((await get(port)).body).toBe('still here');
    await stopping;
    expect(Date.now() - t0).toBeGreaterThanOrEqual(380);
    await expect(get(port)).rejects.toThrow(/ECONNREFUSED/);
  });

  it('after grace_period, what is still running is cut off', async () => {
    const port = await freePort();
    const r = runtime();
    const g = gate('never');
    await r.load(config({ s: { listen: [`127.0.0.1:${port}`], routes: [{ handle: [{ handler: 'test_gate', name: 'never', body: 'x' }] }] } }, { grace_period: 300_000_000 }));
    const inflight = get(port);
    // It rejects while stop() is awaited, before the expectation below attaches: handled now, checked later.
    inflight.catch(() => {});
    await g.started;
    const t0 = Date.now();
    await r.stop();
    expect(Date.now() - t0).toBeGreaterThanOrEqual(250);
    expect(Date.now() - t0).toBeLessThan(2000);
    await expect(inflight).rejects.toThrow(/socket hang up|ECONNRESET/);
  });
});
