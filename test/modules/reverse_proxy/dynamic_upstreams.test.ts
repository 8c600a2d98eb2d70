// Dynamic upstreams (`dynamic a` and `dynamic srv`) against a DNS server the
// test runs on 127.0.0.1 UDP: the list follows DNS after `refresh`, a broken
// resolver keeps the last good list, a name that is gone falls back to the
// static upstreams (logged), SRV targets and ports are used as given, and
// the Caddyfile form runs as written.
import { createServer, type Server } from 'node:http';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { adaptCaddyfile } from '../../../src/adapt/index.js';
import { Runtime } from '../../../src/runtime/runtime.js';
import { type DnsServer, dnsServer } from '../../support/dns_server.js';
import { send } from '../../support/client.js';
import { freePort, logCollector } from '../../support/net.js';
import { type Backend, echoBackend } from './backends.js';

const nameOf = (text: string) => (JSON.parse(text) as { name: string }).name;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** A backend named `name` on host:port (other loopback addresses than 127.0.0.1 work on Linux). */
async function named(name: string, host: string, port: number): Promise<Server> {
  const s = createServer((_req, res) => res.end(JSON.stringify({ name })));
  await new Promise<void>((r) => s.listen(port, host, r));
  return s;
}

describe('dynamic upstreams', () => {
  let dns: DnsServer, fallback: Backend, srvA: Backend, srvB: Backend;
  const servers: Server[] = [];
  let port: number;
  const runtimes: Runtime[] = [];
  beforeAll(async () => {
    dns = await dnsServer();
    [fallback, srvA, srvB] = await Promise.all([echoBackend('static'), echoBackend('srv-a'), echoBackend('srv-b')]);
    port = await freePort();
    servers.push(await named('two', '127.0.0.2', port), await named('three', '127.0.0.3', port));
  });
  afterAll(async () => {
    for (const r of runtimes) await r.stop();
    await Promise.all([dns?.close(), fallback?.close(), srvA?.close(), srvB?.close(), ...servers.map((s) => new Promise((r) => s.close(r)))]);
  });

  afterEach(() => {
    dns.failing = false;
  });

  async function start(proxy: Record<string, unknown>) {
    const logs = logCollector();
    const runtime = new Runtime({ log: logs.log });
    runtimes.push(runtime);
    const listen = await freePort();
    await runtime.load({ apps: { http: { servers: { s: { listen: [`127.0.0.1:${listen}`], routes: [{ handle: [{ handler: 'reverse_proxy', ...proxy }] }] } } } } });
    const names = async (n: number) => {
      const out: string[] = [];
      for (let i = 0; i < n; i++) {
        const r = await send(listen, '/');
        out.push(r.status === 200 ? nameOf(r.text) : String(r.status));
      }
      return out;
    };
    return { names, logs: logs.lines, runtime };
  }

  it('dynamic a follows the A records after refresh; a failing resolver keeps the last good list; a removed name falls back to static', async () => {
    dns.a.set('app.test', ['127.0.0.2']);
    const { names, logs } = await start({
      upstreams: [{ dial: fallback.dial }],
      dynamic_upstreams: { source: 'a', name: 'app.test', port: String(port), refresh: '200ms', resolver: { addresses: [dns.address] }, versions: { ipv4: true } },
    });
    expect(new Set(await names(3))).toEqual(new Set(['two']));
    dns.a.set('app.test', ['127.0.0.2', '127.0.0.3']);
    await sleep(300);
    expect(new Set(await names(20))).toEqual(new Set(['two', 'three']));

    dns.failing = true;
    await sleep(300);
    expect(new Set(await names(20))).toEqual(new Set(['two', 'three']));
    expect(logs.some((l) => l.level === 'error' && /using previously cached/.test(l.msg))).toBe(true);
    dns.failing = false;

    dns.a.delete('app.test');
    await sleep(300);
    expect(await names(3)).toEqual(['static', 'static', 'static']);
    expect(logs.find((l) => /falling back to static upstreams/.test(l.msg))?.fields).toMatchObject({ name: `app.test:${port}ip4` });

    dns.a.set('app.test', ['127.0.0.3']);
    await sleep(300);
    expect(await names(3)).toEqual(['three', 'three', 'three']);
  });

  it('dynamic srv uses each record target and port; grace_period bounds how long a failing resolver keeps the list', async () => {
    dns.srv.set('_http._tcp.svc.test', [{ priority: 10, weight: 1, port: srvA.port, target: '127.0.0.1' }]);
    const { names } = await start({
      upstreams: [{ dial: fallback.dial }],
      dynamic_upstreams: { source: 'srv', service: 'http', proto: 'tcp', name: 'svc.test', refresh: '200ms', grace_period: '1500ms', resolver: { addresses: [dns.address] } },
    });
    expect(await names(3)).toEqual(['srv-a', 'srv-a', 'srv-a']);
    dns.srv.set('_http._tcp.svc.test', [
      { priority: 10, weight: 1, port: srvA.port, target: '127.0.0.1' },
      { priority: 10, weight: 1, port: srvB.port, target: 'localhost' },
    ]);
    await sleep(300);
    expect(new Set(await names(20))).toEqual(new Set(['srv-a', 'srv-b']));
    dns.failing = true;
    await sleep(250);
    expect(new Set(await names(10))).toEqual(new Set(['srv-a', 'srv-b']));
    await sleep(1600);
    expect(await names(2)).toEqual(['static', 'static']);
    dns.failing = false;
  });

  it('dynamic multi joins its sources', async () => {
    dns.a.set('one.test', ['127.0.0.2']);
    dns.srv.set('_http._tcp.svc2.test', [{ priority: 1, weight: 1, port: srvB.port, target: '127.0.0.1' }]);
    const { names } = await start({
      dynamic_upstreams: {
        source: 'multi',
        sources: [
          { source: 'a', name: 'one.test', port: String(port), resolver: { addresses: [dns.address] }, versions: { ipv4: true } },
          { source: 'srv', name: '_http._tcp.svc2.test', resolver: { addresses: [dns.address] } },
        ],
      },
    });
    expect(new Set(await names(20))).toEqual(new Set(['two', 'srv-b']));
  });

  it('without resolvers the system resolves the name (as Go, /etc/hosts included)', async () => {
    const { names } = await start({ dynamic_upstreams: { source: 'a', name: 'localhost', port: String(srvA.port), versions: { ipv4: true } } });
    expect(await names(2)).toEqual(['srv-a', 'srv-a']);
  });

  it('the Caddyfile form runs as written', async () => {
    dns.a.set('cf.test', ['127.0.0.3']);
    const listen = await freePort();
    const { config } = adaptCaddyfile(
      `{
	admin off
}
:${listen} {
	bind 127.0.0.1
	reverse_proxy {
		dynamic a cf.test ${port} {
			refresh 1m
			resolvers ${dns.address}
			dial_timeout 2s
			versions ipv4
		}
	}
}`,
      'Caddyfile',
    );
    const runtime = new Runtime({});
    runtimes.push(runtime);
    await runtime.load(config);
    for (let i = 0; i < 5; i++) expect(nameOf((await send(listen, '/')).text)).toBe('three');
    // One lookup per refresh interval (1m here), not one per request.
    expect(dns.queries.filter((q) => q === 'A cf.test')).toEqual(['A cf.test']);
  });

  it('bad resolver addresses and unknown sources are refused at load', async () => {
    const runtime = new Runtime({});
    const listen = await freePort();
    const load = (dyn: unknown) => runtime.load({ apps: { http: { servers: { s: { listen: [`127.0.0.1:${listen}`], routes: [{ handle: [{ handler: 'reverse_proxy', dynamic_upstreams: dyn }] }] } } } } });
    await expect(load({ source: 'a', name: 'x', resolver: { addresses: ['127.0.0.1:53-54'] } })).rejects.toThrow(/resolver address must have exactly one address/);
    await expect(load({ source: 'nope' })).rejects.toThrow(/http\.reverse_proxy\.upstreams\.nope/);
    await runtime.stop();
  });
});
