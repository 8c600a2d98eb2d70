// The `net` log writer against real listeners on 127.0.0.1: access log lines
// over TCP and UDP, a listener that goes away (lines go to stderr) and comes
// back on the same port (lines go to it again), soft_start with nothing
// listening yet, a config without soft_start whose dial fails, and a peer
// that never reads (lines dropped, counted, said once; writes never wait).
import { createSocket, type Socket as UDPSocket } from 'node:dgram';
import { createServer, type AddressInfo, type Server, type Socket } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { provisionLogging } from '../../src/log/logging.js';
import { freePort } from '../support/net.js';
import { get, type Served, serveConfig, until } from './harness.js';

const savedScale = process.env.TSWEB_RETRY_SCALE;
// Caddy redials every 10 s; 0.02 makes it 200 ms here.
beforeAll(() => void (process.env.TSWEB_RETRY_SCALE = '0.02'));
afterAll(() => {
  if (savedScale === undefined) delete process.env.TSWEB_RETRY_SCALE;
  else process.env.TSWEB_RETRY_SCALE = savedScale;
});

function site(writer: Record<string, unknown>) {
  return (port: number) => ({
    logging: {
      logs: {
        default: { writer: { output: 'discard' }, exclude: ['http.log.access.log0'] },
        log0: { include: ['http.log.access.log0'], writer, encoder: { format: 'json' } },
      },
    },
    apps: { http: { servers: { srv0: { listen: [`127.0.0.1:${port}`], logs: { default_logger_name: 'log0' }, routes: [{ handle: [{ handler: 'static_response', body: 'ok' }] }] } } } },
  });
}

/** A TCP log collector: every line it receives, in order. */
interface Collector {
  port: number;
  lines: string[];
  close(): Promise<void>;
}

async function tcpCollector(port = 0): Promise<Collector> {
  const lines: string[] = [];
  const sockets = new Set<Socket>();
  const server: Server = createServer((s) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
    let buf = '';
    s.setEncoding('utf8');
    s.on('data', (d: string) => {
      buf += d;
      let nl: number;
      while ((nl = buf.indexOf('\n')) >= 0) {
        lines.push(buf.slice(0, nl));
        buf = buf.slice(nl + 1);
      }
    });
    s.on('error', () => {});
  });
  await new Promise<void>((resolve) => server.listen(port, '127.0.0.1', resolve));
  return {
    port: (server.address() as AddressInfo).port,
    lines,
    close: () =>
      new Promise<void>((resolve) => {
        for (const s of sockets) s.destroy();
        server.close(() => resolve());
      }),
  };
}

const uris = (lines: string[]) => lines.filter((l) => l.startsWith('{')).map((l) => JSON.parse(l).request.uri as string);

const served: Served[] = [];
afterAll(async () => {
  for (const s of served) await s.stop();
});
async function start(writer: Record<string, unknown>): Promise<Served> {
  const s = await serveConfig(site(writer));
  served.push(s);
  return s;
}

describe('net writer', () => {
  it('sends access log lines to a TCP listener', async () => {
    const c = await tcpCollector();
    const s = await start({ output: 'net', address: `tcp/127.0.0.1:${c.port}` });
    await get(s.port, '/one');
    await get(s.port, '/two');
    await until(() => c.lines.length >= 2, 'two lines at the collector');
    expect(uris(c.lines)).toEqual(['/one', '/two']);
    expect(JSON.parse(c.lines[0]!)).toMatchObject({ level: 'info', logger: 'http.log.access.log0', msg: 'handled request', status: 200 });
    expect(s.stderr).toEqual([]);
    await c.close();
  });

  it('sends each line as a datagram to a UDP listener', async () => {
    const u: UDPSocket = createSocket('udp4');
    const got: string[] = [];
    u.on('message', (m) => got.push(m.toString('utf8')));
    await new Promise<void>((resolve) => u.bind(0, '127.0.0.1', resolve));
    const s = await start({ output: 'net', address: `udp/127.0.0.1:${u.address().port}` });
    await get(s.port, '/u1');
    await get(s.port, '/u2');
    await until(() => got.length >= 2, 'two datagrams');
    expect(got.every((g) => g.endsWith('}\n'))).toBe(true);
    expect(uris(got.map((g) => g.trim()))).toEqual(['/u1', '/u2']);
    u.close();
  });

  it('writes to stderr while the listener is gone and back to it once it returns', async () => {
    let c = await tcpCollector();
    const port = c.port;
    const s = await start({ output: 'net', address: `127.0.0.1:${port}` });
    await get(s.port, '/before');
    await until(() => c.lines.length >= 1, 'the first line');
    await c.close();
    await until(() => s.stderr.some((l) => l.includes('net log writer: connection to tcp 127.0.0.1:')), 'the lost-connection notice');
    const r = await get(s.port, '/while-down');
    expect(r.status).toBe(200);
    await until(() => uris(s.stderr).includes('/while-down'), 'the line on stderr');
    c = await tcpCollector(port);
    await until(() => s.stderr.some((l) => l.includes('reconnected to tcp')), 'the reconnection', 10_000);
    await get(s.port, '/after');
    await until(() => c.lines.length >= 1, 'a line at the new listener');
    expect(uris(c.lines)).toEqual(['/after']);
    await c.close();
  });

  it('soft_start: loads with nothing listening, says so on stderr, and connects once it appears', async () => {
    const port = await freePort();
    const s = await start({ output: 'net', address: `tcp/127.0.0.1:${port}`, soft_start: true, dial_timeout: 1e9 });
    await until(() => s.stderr.length >= 1, 'the soft-start notice');
    expect(s.stderr[0]).toBe(`[ERROR] net log writer failed to connect: dial tcp 127.0.0.1:${port}: connect: connection refused (will retry connection and print errors here in the meantime)\n`);
    await get(s.port, '/early');
    await until(() => uris(s.stderr).includes('/early'), 'the early line on stderr');
    const c = await tcpCollector(port);
    await until(() => s.stderr.some((l) => l.includes('reconnected to tcp')), 'the connection', 10_000);
    await get(s.port, '/late');
    await until(() => c.lines.length >= 1, 'the late line at the listener');
    expect(uris(c.lines)).toEqual(['/late']);
    await c.close();
  });

  it('without soft_start, a failed first dial rejects ready() with Go’s words (Caddy refuses the config)', async () => {
    const port = await freePort();
    const stderr: string[] = [];
    const logging = provisionLogging({ logs: { remote: { writer: { output: 'net', address: `127.0.0.1:${port}` } } } }, { streams: { stderr: (l) => void stderr.push(l) } });
    await expect(logging.ready()).rejects.toThrow(`dial tcp 127.0.0.1:${port}: connect: connection refused`);
    await logging.close();
  });

  it('refuses addresses Caddy refuses', () => {
    expect(() => provisionLogging({ logs: { x: { writer: { output: 'net', address: 'tcp/127.0.0.1:5000-5001' } } } })).toThrow("setting up custom log 'x': multiple ports not supported");
    expect(() => provisionLogging({ logs: { x: { writer: { output: 'net', address: '127.0.0.1:1', dial_timeout: -1 } } } })).toThrow('timeout cannot be less than 0');
    expect(() => provisionLogging({ logs: { x: { writer: { output: 'net' } } } })).toThrow('missing network address');
  });

  it('a peer that never reads: lines are dropped past the buffer, counted, and said once; writing never waits', async () => {
    const held: Socket[] = [];
    const server = createServer((sock) => {
      sock.pause();
      held.push(sock);
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const port = (server.address() as AddressInfo).port;
    const stderr: string[] = [];
    const logging = provisionLogging({ logs: { default: { writer: { output: 'net', address: `127.0.0.1:${port}` }, encoder: { format: 'json' } } } }, { streams: { stderr: (l) => void stderr.push(l) } });
    await logging.ready();
    const pad = 'p'.repeat(1000);
    const t0 = performance.now();
    for (let i = 0; i < 20_000; i++) logging.log('info', 'test', 'line', { i, pad });
    // 20 MB of lines in one go: the kernel takes a few MB, the writer queues 1 MiB more and drops the rest without waiting.
    expect(performance.now() - t0).toBeLessThan(3000);
    expect(stderr.filter((l) => l.includes('is not keeping up'))).toHaveLength(1);
    expect(stderr.some((l) => l.includes('"msg":"line"'))).toBe(false);
    await Promise.race([logging.close(), new Promise((r) => setTimeout(r, 3000))]);
    expect(stderr.filter((l) => /dropped \d+ log lines/.test(l))).toHaveLength(1);
    const n = Number(/dropped (\d+) log lines/.exec(stderr.find((l) => l.includes('dropped'))!)![1]);
    expect(n).toBeGreaterThan(5000);
    expect(n).toBeLessThan(20_000);
    for (const s of held) s.destroy();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  });
});
