// Active health checks end to end: real backends on 127.0.0.1 probed by a
// real runtime. What a user sees: an upstream that fails its probes stops
// getting requests (and shows unhealthy in the admin API and in
// caddy_reverse_proxy_upstreams_healthy) after `fails` failed probes, comes
// back after `passes` good ones, logs Caddy's lines, and a config that goes
// away stops probing.
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer as createHttpsServer } from 'node:https';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { upstreamStatuses } from '../../../src/core/upstream_status.js';
import { adaptCaddyfile } from '../../../src/adapt/index.js';
import { decodeReverseProxy } from '../../../src/modules/reverse_proxy/config.js';
import { Runtime } from '../../../src/runtime/runtime.js';
import { send } from '../../support/client.js';
import { freePort, logCollector } from '../../support/net.js';
import { startAdmin } from '../../admin/support.js';
import { parseProm, value } from '../metrics/prom_text.js';
import { backend } from './backends.js';

const LOGGER = 'http.handlers.reverse_proxy.health_checker.active';

type Line = { level: string; logger: string; msg: string; fields: Record<string, unknown> };

/** Polls `cond` every 20 ms for up to `ms` (generous: the machine is shared). */
async function until(cond: () => boolean, ms = 8000): Promise<void> {
  const end = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > end) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 20));
  }
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** The admin view's entries for one address (this process's handlers). */
const statusOf = (dial: string) => upstreamStatuses().filter((s) => s.address === dial);
const healthyNow = (dial: string) => statusOf(dial)[0]?.healthy;

/** A backend whose /health answer the test sets; counts probes and records what they looked like. */
async function probedBackend(name: string) {
  const state = {
    status: 200,
    body: 'ok',
    hang: 0,
    probes: [] as Array<{ method: string; url: string; headers: IncomingMessage['headers']; body: string }>,
    /** Called as each probe arrives (before it is answered). */
    onProbe: null as (() => void) | null,
  };
  const b = await backend((req: IncomingMessage, res: ServerResponse) => {
    let body = '';
    req.on('data', (c: Buffer) => (body += c.toString()));
    req.on('end', () => {
      if (req.url?.startsWith('/health')) {
        state.probes.push({ method: req.method ?? '', url: req.url, headers: req.headers, body });
        state.onProbe?.();
        if (state.hang > 0) {
          state.hang--;
          return; // never answers: the probe times out
        }
        res.statusCode = state.status;
        res.end(state.body);
        return;
      }
      res.end(name);
    });
  });
  return { b, state };
}

let cleanups: Array<() => Promise<void> | void> = [];
afterEach(async () => {
  for (const fn of cleanups.reverse()) await fn();
  cleanups = [];
});

async function run(routes: unknown[]) {
  const port = await freePort();
  const logs = logCollector();
  const runtime = new Runtime({ log: logs.log });
  await runtime.load({ apps: { http: { servers: { s: { listen: [`127.0.0.1:${port}`], routes } } } } });
  cleanups.push(() => runtime.stop());
  return { port, runtime, lines: logs.lines as Line[] };
}

function rp(dials: string[], active: Record<string, unknown>, extra: Record<string, unknown> = {}) {
  return { handler: 'reverse_proxy', upstreams: dials.map((dial) => ({ dial })), health_checks: { active }, ...extra };
}

describe('active health checks', () => {
  it('a backend going down and up: requests avoid it within interval × fails, the admin API and the metric follow', async () => {
    const a = await probedBackend('a');
    const bb = await probedBackend('b');
    cleanups.push(() => a.b.close(), () => bb.b.close());
    const port = await freePort();
    const admin = await startAdmin({
      admin: { listen: '127.0.0.1:0' },
      apps: {
        http: {
          servers: {
            s: {
              listen: [`127.0.0.1:${port}`],
              routes: [{ match: [{ path: ['/metrics'] }], handle: [{ handler: 'metrics' }] }, { handle: [rp([a.b.dial, bb.b.dial], { uri: '/health', interval: '100ms', fails: 2, passes: 2 }, { load_balancing: { selection_policy: { policy: 'round_robin' } } })] }],
            },
          },
        },
      },
    });
    cleanups.push(() => admin.close());
    const adminPort = Number(new URL(admin.url()).port);
    const upstreams = async () => JSON.parse((await send(adminPort, '/reverse_proxy/upstreams', { headers: { Host: `127.0.0.1:${adminPort}` } })).text) as Array<{ address: string; healthy: boolean }>;
    // The metrics handler of the same server (the admin API's /metrics wants an Origin from a browser-less client).
    const metric = async (dial: string) => value(parseProm((await send(port, '/metrics')).text), 'caddy_reverse_proxy_upstreams_healthy', { upstream: dial });
    await until(() => a.state.probes.length >= 1 && bb.state.probes.length >= 1);
    const names = new Set<string>();
    for (let i = 0; i < 4; i++) names.add((await send(port, '/')).text);
    expect([...names].sort()).toEqual(['a', 'b']);
    expect(await metric(a.b.dial)).toBe(1);

    // Down: the backend answers its probes with 503.
    a.state.status = 503;
    const downAt = Date.now();
    await until(() => healthyNow(a.b.dial) === false);
    // interval 100 ms × fails 2, with slack for a loaded machine.
    expect(Date.now() - downAt).toBeLessThan(3000);
    expect((await upstreams()).find((u) => u.address === a.b.dial)?.healthy).toBe(false);
    expect(await metric(a.b.dial)).toBe(0);
    expect(await metric(bb.b.dial)).toBe(1);
    for (let i = 0; i < 6; i++) expect((await send(port, '/')).text).toBe('b');

    // Up again.
    a.state.status = 200;
    await until(() => healthyNow(a.b.dial) === true);
    expect(await metric(a.b.dial)).toBe(1);
    names.clear();
    for (let i = 0; i < 4; i++) names.add((await send(port, '/')).text);
    expect([...names].sort()).toEqual(['a', 'b']);
  });

  it('a backend that is killed (connection refused) is marked down and, restarted on its port, up again, with Caddy\'s log lines', async () => {
    const a = await probedBackend('a');
    const dial = a.b.dial;
    const s = await run([{ handle: [rp([dial], { uri: '/health', interval: '100ms' })] }]);
    await until(() => a.state.probes.length >= 1);
    expect((await send(s.port, '/')).text).toBe('a');
    await a.b.close();
    await until(() => healthyNow(dial) === false);
    // The only upstream is down: Caddy's 503.
    expect((await send(s.port, '/')).status).toBe(503);
    const failed = s.lines.find((l) => l.logger === LOGGER && l.msg === 'HTTP request failed');
    expect(failed?.level).toBe('info');
    expect(failed?.fields).toEqual({ host: dial, error: `Get "http://${dial}/health": dial tcp ${dial}: connect: connection refused` });

    // Restart on the same port.
    const again = await backend((_req, res) => res.end('a2'));
    await new Promise<void>((resolve) => {
      again.server.close(() => {
        again.server.listen(a.b.port, '127.0.0.1', resolve);
      });
    });
    cleanups.push(() => new Promise<void>((r) => again.server.close(() => r())));
    await until(() => healthyNow(dial) === true);
    expect((await send(s.port, '/')).text).toBe('a2');
    const up = s.lines.find((l) => l.logger === LOGGER && l.msg === 'host is up');
    expect(up).toMatchObject({ level: 'info', fields: { host: dial } });
  });

  it('flips emit Caddy\'s "unhealthy" and "healthy" events (logger events, at debug)', async () => {
    const a = await probedBackend('a');
    cleanups.push(() => a.b.close());
    const port = await freePort();
    const logs = logCollector();
    const runtime = new Runtime({ log: logs.log });
    await runtime.load({
      logging: { logs: { default: { level: 'DEBUG' } } },
      apps: { http: { servers: { s: { listen: [`127.0.0.1:${port}`], routes: [{ handle: [rp([a.b.dial], { uri: '/health', interval: '100ms' })] }] } } } },
    });
    cleanups.push(() => runtime.stop());
    a.state.status = 500;
    await until(() => healthyNow(a.b.dial) === false);
    a.state.status = 200;
    await until(() => healthyNow(a.b.dial) === true);
    const events = (logs.lines as Line[]).filter((l) => l.logger === 'events');
    expect(events.map((e) => [e.level, e.msg, e.fields.name, e.fields.origin, e.fields.data])).toEqual([
      ['debug', 'event', 'unhealthy', 'http.handlers.reverse_proxy', { host: a.b.dial }],
      ['debug', 'event', 'healthy', 'http.handlers.reverse_proxy', { host: a.b.dial }],
    ]);
    expect(events[0]!.fields.id).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[0-9a-f]{4}-[0-9a-f]{12}$/);
  });

  it('fails and passes are thresholds: down only at the `fails`-th failed probe, up only at the `passes`-th good one', async () => {
    const a = await probedBackend('a');
    cleanups.push(() => a.b.close());
    const s = await run([{ handle: [rp([a.b.dial], { uri: '/health', interval: '300ms', fails: 3, passes: 2, expect_status: 200 })] }]);
    await until(() => a.state.probes.length >= 2);
    // Each failure is logged just before it is counted: the health seen at the k-th line is the one after k-1 failures.
    const seen: Array<boolean | undefined> = [];
    const origPush = s.lines.push.bind(s.lines);
    s.lines.push = (...items: Line[]) => {
      for (const l of items) if (l.msg === 'unexpected status code') seen.push(healthyNow(a.b.dial));
      return origPush(...items);
    };
    a.state.status = 500;
    await until(() => seen.length >= 4);
    expect(seen.slice(0, 4)).toEqual([true, true, true, false]);
    const line = s.lines.find((l) => l.msg === 'unexpected status code');
    expect(line).toMatchObject({ level: 'info', logger: LOGGER, fields: { status_code: 500, host: a.b.dial } });

    // Back up: as each good probe arrives, the health is the one after the good probes before it.
    const atGood: Array<boolean | undefined> = [];
    a.state.onProbe = () => void atGood.push(healthyNow(a.b.dial));
    a.state.status = 200;
    await until(() => atGood.length >= 3);
    expect(atGood.slice(0, 3)).toEqual([false, false, true]);
  });

  it('health_body and health_status mismatches mark the upstream down, each with its log line', async () => {
    const a = await probedBackend('a');
    const c = await probedBackend('c');
    cleanups.push(() => a.b.close(), () => c.b.close());
    a.state.body = 'status: degraded';
    c.state.status = 204;
    const s = await run([
      { match: [{ path: ['/a'] }], handle: [rp([a.b.dial], { uri: '/health', interval: '100ms', expect_body: '^status: (ok|fine)$' })] },
      { match: [{ path: ['/c'] }], handle: [rp([c.b.dial], { uri: '/health', interval: '100ms', expect_status: 3 })] },
    ]);
    await until(() => healthyNow(a.b.dial) === false && healthyNow(c.b.dial) === false);
    expect(s.lines.find((l) => l.msg === 'response body failed expectations')).toMatchObject({ logger: LOGGER, level: 'info', fields: { host: a.b.dial } });
    expect(s.lines.find((l) => l.msg === 'unexpected status code')).toMatchObject({ fields: { status_code: 204, host: c.b.dial } });
    expect((await send(s.port, '/a')).status).toBe(503);
    // The body matches again: up.
    a.state.body = 'status: ok';
    await until(() => healthyNow(a.b.dial) === true);
    expect((await send(s.port, '/a')).text).toBe('a');
  });

  it('without expect_status any 2xx passes and anything else is "status code out of tolerances"', async () => {
    const a = await probedBackend('a');
    cleanups.push(() => a.b.close());
    a.state.status = 302;
    const s = await run([{ handle: [rp([a.b.dial], { uri: '/health', interval: '100ms' })] }]);
    await until(() => healthyNow(a.b.dial) === false);
    expect(s.lines.find((l) => l.logger === LOGGER)?.msg).toBe('status code out of tolerances');
    a.state.status = 299;
    await until(() => healthyNow(a.b.dial) === true);
  });

  it('probes carry health_headers (Host sets the Host; placeholders), health_method and health_request_body', async () => {
    const a = await probedBackend('a');
    cleanups.push(() => a.b.close());
    process.env.TSWEB_HEALTH_TEST = 'from-env';
    await run([
      {
        handle: [
          rp([a.b.dial], {
            uri: '/health?full=1',
            interval: '1s',
            method: 'POST',
            body: 'ping {env.TSWEB_HEALTH_TEST}',
            headers: { Host: ['health.internal'], 'x-target': ['{http.reverse_proxy.active.target_upstream}'], 'X-Env': ['{env.TSWEB_HEALTH_TEST}', 'two'] },
          }),
        ],
      },
    ]);
    await until(() => a.state.probes.length >= 1);
    const p = a.state.probes[0]!;
    expect(p.method).toBe('POST');
    expect(p.url).toBe('/health?full=1');
    expect(p.body).toBe('ping from-env');
    expect(p.headers.host).toBe('health.internal');
    expect(p.headers['x-target']).toBe(a.b.dial);
    expect(p.headers['x-env']).toBe('from-env, two');
    expect(p.headers['user-agent']).toBe('Go-http-client/1.1');
  });

  it('without a Host header the probe names the upstream; health_port probes another port of the same host', async () => {
    const a = await probedBackend('a');
    const healthSide = await probedBackend('h');
    cleanups.push(() => a.b.close(), () => healthSide.b.close());
    healthSide.state.status = 500;
    await run([{ handle: [rp([a.b.dial], { uri: '/health', interval: '100ms', port: healthSide.b.port })] }]);
    await until(() => healthyNow(a.b.dial) === false);
    expect(a.state.probes).toEqual([]);
    expect(healthSide.state.probes[0]!.headers.host).toBe(`127.0.0.1:${healthSide.b.port}`);
  });

  it('a unix socket upstream is probed over its socket, with Host "localhost" as in Caddy', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'tsweb-health-'));
    const path = join(dir, 'app.sock');
    const hosts: string[] = [];
    const server = createServer((req, res) => {
      if (req.url === '/health') hosts.push(req.headers.host ?? '');
      res.statusCode = req.url === '/health' ? 503 : 200;
      res.end('unix');
    });
    await new Promise<void>((r) => server.listen(path, r));
    cleanups.push(() => new Promise<void>((r) => server.close(() => r())));
    const dial = `unix/${path}`;
    await run([{ handle: [rp([dial], { uri: '/health', interval: '100ms' })] }]);
    await until(() => healthyNow(dial) === false);
    expect(hosts[0]).toBe('localhost');
  });

  it('an HTTPS upstream is probed over TLS with the transport\'s trust (root_ca_pem_files), and a probe it cannot trust fails', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'tsweb-health-tls-'));
    const ssl = (...args: string[]) => execFileSync('openssl', args, { cwd: dir, stdio: 'ignore' });
    const ec = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes'];
    ssl('req', '-x509', ...ec, '-keyout', 'ca.key', '-out', 'ca.pem', '-subj', '/CN=health test CA', '-days', '2');
    writeFileSync(join(dir, 'leaf.ext'), 'subjectAltName=IP:127.0.0.1\nextendedKeyUsage=serverAuth\n');
    ssl('req', ...ec, '-keyout', 'leaf.key', '-out', 'leaf.csr', '-subj', '/CN=127.0.0.1');
    ssl('x509', '-req', '-in', 'leaf.csr', '-CA', 'ca.pem', '-CAkey', 'ca.key', '-CAcreateserial', '-out', 'leaf.pem', '-days', '2', '-extfile', 'leaf.ext');
    let probes = 0;
    const server = createHttpsServer({ key: readFileSync(join(dir, 'leaf.key')), cert: readFileSync(join(dir, 'leaf.pem')) }, (req, res) => {
      if (req.url === '/health') probes++;
      res.end('tls');
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    cleanups.push(() => new Promise<void>((r) => server.close(() => r())));
    const dial = `127.0.0.1:${(server.address() as AddressInfo).port}`;
    const s = await run([
      { match: [{ path: ['/trusted'] }], handle: [rp([dial], { uri: '/health', interval: '100ms' }, { transport: { protocol: 'http', tls: { root_ca_pem_files: [join(dir, 'ca.pem')] } } })] },
      { match: [{ path: ['/untrusted'] }], handle: [rp([dial], { uri: '/health', interval: '100ms' }, { transport: { protocol: 'http', tls: {} } })] },
    ]);
    await until(() => probes >= 3 && statusOf(dial).some((u) => !u.healthy));
    expect(statusOf(dial).map((u) => u.healthy)).toEqual([true, false]);
    expect((await send(s.port, '/trusted')).text).toBe('tls');
    const failed = s.lines.find((l) => l.msg === 'HTTP request failed');
    expect(failed?.fields.error).toMatch(/^Get "https:\/\/127\.0\.0\.1:\d+\/health": /);
  });

  it('a redirect is a failed probe unless follow_redirects, which follows it on the same upstream', async () => {
    const seen: string[] = [];
    const b = await backend((req, res) => {
      seen.push(req.url ?? '');
      if (req.url === '/health') {
        res.statusCode = 302;
        res.setHeader('Location', '/health/real?x=1');
        res.end();
        return;
      }
      res.end('ok');
    });
    const b2 = await backend((req, res) => {
      res.statusCode = req.url === '/health' ? 302 : 200;
      if (req.url === '/health') res.setHeader('Location', '/health/real');
      res.end();
    });
    cleanups.push(() => b.close(), () => b2.close());
    await run([
      { match: [{ path: ['/follow'] }], handle: [rp([b.dial], { uri: '/health', interval: '100ms', follow_redirects: true })] },
      { match: [{ path: ['/nofollow'] }], handle: [rp([b2.dial], { uri: '/health', interval: '100ms' })] },
    ]);
    await until(() => healthyNow(b2.dial) === false && seen.includes('/health/real?x=1'));
    await sleep(250);
    expect(healthyNow(b.dial)).toBe(true);
  });

  it('health_upstream sends every probe to another address; {http.reverse_proxy.active.target_upstream} names the upstream', async () => {
    const a = await probedBackend('a');
    const checker = await probedBackend('checker');
    cleanups.push(() => a.b.close(), () => checker.b.close());
    await run([{ handle: [rp([a.b.dial], { uri: '/health', interval: '1s', upstream: checker.b.dial, headers: { 'X-Check': ['{http.reverse_proxy.active.target_upstream}'] } })] }]);
    await until(() => checker.state.probes.length >= 1);
    expect(a.state.probes).toEqual([]);
    expect(checker.state.probes[0]!.headers.host).toBe(checker.b.dial);
    expect(checker.state.probes[0]!.headers['x-check']).toBe(a.b.dial);
  });

  it('health_timeout: a probe that does not answer in time is one failure; with fails 2 one slow probe leaves the last upstream up', async () => {
    const a = await probedBackend('a');
    const c = await probedBackend('c');
    cleanups.push(() => a.b.close(), () => c.b.close());
    const s = await run([
      { match: [{ path: ['/a'] }], handle: [rp([a.b.dial], { uri: '/health', interval: '300ms', timeout: '400ms', fails: 2 })] },
      { match: [{ path: ['/c'] }], handle: [rp([c.b.dial], { uri: '/health', interval: '300ms', timeout: '400ms' })] },
    ]);
    await until(() => a.state.probes.length >= 1 && c.state.probes.length >= 1);
    a.state.hang = 1;
    c.state.hang = 1;
    const n = a.state.probes.length;
    // The slow probe, then a few good ones.
    await until(() => a.state.probes.length >= n + 4, 15000);
    expect(healthyNow(a.b.dial)).toBe(true);
    expect((await send(s.port, '/a')).text).toBe('a');
    const timeout = s.lines.find((l) => l.msg === 'HTTP request failed' && l.fields.host === a.b.dial);
    expect(timeout?.fields.error).toBe(`Get "http://${a.b.dial}/health": context deadline exceeded (Client.Timeout exceeded while awaiting headers)`);
    // fails 1 (the default): that one timeout was enough to take /c's upstream down, and a good probe brought it back.
    expect(s.lines.some((l) => l.msg === 'HTTP request failed' && l.fields.host === c.b.dial)).toBe(true);
    expect(s.lines.some((l) => l.msg === 'host is up' && l.fields.host === c.b.dial)).toBe(true);
    expect(s.lines.some((l) => l.msg === 'host is up' && l.fields.host === a.b.dial)).toBe(false);
  });

  it('state is per handler (Caddy #7870): two handlers probing one address with different URIs judge it apart', async () => {
    const a = await probedBackend('a');
    cleanups.push(() => a.b.close());
    const b2 = await backend((req, res) => {
      res.statusCode = req.url === '/deep' ? 503 : 200;
      res.end('x');
    });
    cleanups.push(() => b2.close());
    await run([
      { match: [{ path: ['/shallow'] }], handle: [rp([b2.dial], { uri: '/shallow', interval: '100ms' })] },
      { match: [{ path: ['/deep'] }], handle: [rp([b2.dial], { uri: '/deep', interval: '100ms' })] },
    ]);
    await until(() => statusOf(b2.dial).some((s) => !s.healthy));
    await sleep(300);
    const rows = statusOf(b2.dial);
    expect(rows.map((r) => r.healthy)).toEqual([true, false]);
  });

  it('a reload stops the old config\'s probes (no timer left behind); stopping stops them all', async () => {
    const a = await probedBackend('a');
    cleanups.push(() => a.b.close());
    const port = await freePort();
    const runtime = new Runtime({});
    const cfg = (uri: string) => ({ apps: { http: { servers: { s: { listen: [`127.0.0.1:${port}`], routes: [{ handle: [rp([a.b.dial], { uri, interval: '100ms' })] }] } } } } });
    await runtime.load(cfg('/health/one'));
    await until(() => a.state.probes.some((p) => p.url === '/health/one'));
    await runtime.load(cfg('/health/two'));
    await until(() => a.state.probes.some((p) => p.url === '/health/two'));
    const cut = a.state.probes.length;
    await sleep(500);
    expect(a.state.probes.slice(cut).map((p) => p.url)).not.toContain('/health/one');
    await runtime.stop();
    const stoppedAt = a.state.probes.length;
    await sleep(500);
    expect(a.state.probes.length).toBe(stoppedAt);
  });

  it('decodes Caddy\'s defaults: GET, every 30 s, 5 s timeout, 1 pass and 1 fail; header names canonical; `path` as the URI', () => {
    const active = (a: Record<string, unknown>) => decodeReverseProxy({ handler: 'reverse_proxy', health_checks: { active: a } }).active;
    expect(active({ uri: '/h', headers: { 'x-probe': ['1'], host: ['h.internal'] } })).toMatchObject({
      uri: '/h',
      method: 'GET',
      interval: 30_000,
      timeout: 5_000,
      passes: 1,
      fails: 1,
      expectStatus: 0,
      headers: [
        ['X-Probe', ['1']],
        ['Host', ['h.internal']],
      ],
    });
    expect(active({ path: '/old' })).toMatchObject({ uri: '/old', deprecatedPath: true });
    expect(active({ port: 9000 })).toMatchObject({ uri: '', port: 9000 });
    expect(active({ interval: '1s' })).toBeNull();
    expect(() => active({ uri: '/h', fails: 'x' })).toThrow(/fails: json: cannot unmarshal string into Go value of type int/);
  });

  it('refuses a bad expect_body at load with Caddy\'s words; a config without uri or port enables nothing', async () => {
    const runtime = new Runtime({});
    const port = await freePort();
    const cfg = (active: Record<string, unknown>) => ({ apps: { http: { servers: { s: { listen: [`127.0.0.1:${port}`], routes: [{ handle: [rp(['127.0.0.1:9'], active)] }] } } } } });
    await expect(runtime.load(cfg({ uri: '/h', expect_body: '(' }))).rejects.toThrow(/expect_body: compiling regular expression: error parsing regexp: missing closing \): `\(`/);
    await expect(runtime.load(cfg({ uri: '/h', nope: 1 }))).rejects.toThrow(/json: unknown field "nope"/);
    await runtime.load(cfg({ interval: '10ms' }));
    await sleep(100);
    expect(healthyNow('127.0.0.1:9')).toBe(true);
    await runtime.stop();
  });

  it('the Caddyfile forms (health_uri, health_interval, health_status 2xx, health_body, health_headers, health_fails...) run as written', async () => {
    const a = await probedBackend('a');
    cleanups.push(() => a.b.close());
    const port = await freePort();
    const { config } = adaptCaddyfile(
      `{
	admin off
}
:${port} {
	bind 127.0.0.1
	reverse_proxy ${a.b.dial} {
		health_uri /health?deep=1
		health_interval 100ms
		health_timeout 1s
		health_status 2xx
		health_body ^ok$
		health_method PUT
		health_request_body hello
		health_passes 1
		health_fails 2
		health_headers {
			Host checks.internal
			X-Probe yes
		}
	}
}`,
      'Caddyfile',
      { env: {} },
    );
    const runtime = new Runtime({});
    await runtime.load(config);
    cleanups.push(() => runtime.stop());
    await until(() => a.state.probes.length >= 1);
    expect(a.state.probes[0]).toMatchObject({ method: 'PUT', url: '/health?deep=1', body: 'hello', headers: { host: 'checks.internal', 'x-probe': 'yes' } });
    a.state.body = 'nope';
    await until(() => healthyNow(a.b.dial) === false);
    expect((await send(port, '/')).status).toBe(503);
  });
});
