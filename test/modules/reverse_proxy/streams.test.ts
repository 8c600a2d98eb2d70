// Tunnels and streams through reverse_proxy with real clients and servers:
// a WebSocket echo (the `ws` package on both ends) closed from either side
// leaves no descriptor behind; stream_timeout closes old tunnels;
// stream_close_delay keeps them across a reload for that long and then says
// 1001 to both peers; a stop says 1001 too; an SSE stream arrives event by
// event; a backend killed under load fails only the requests in flight; a
// backend that hangs (never accepts, or never answers) is cut by dial_timeout
// / response_header_timeout with a 504 and a log line.
import { spawn } from 'node:child_process';
import { readdirSync, readlinkSync } from 'node:fs';
import { createServer, request, type Server } from 'node:http';
import { type AddressInfo, connect, type Socket } from 'node:net';
import type { Duplex } from 'node:stream';
import { afterEach, describe, expect, it } from 'vitest';
import WebSocket, { WebSocketServer } from 'ws';
import { Runtime } from '../../../src/runtime/runtime.js';
import { send } from '../../support/client.js';
import { freePort, logCollector } from '../../support/net.js';
import { backend, readBytes } from './backends.js';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Open socket descriptors of this process (vitest runs each file in its own process). */
function socketFds(): number {
  let n = 0;
  for (const fd of readdirSync('/proc/self/fd')) {
    try {
      if (readlinkSync(`/proc/self/fd/${fd}`).startsWith('socket:')) n++;
    } catch {
      // closed while listing
    }
  }
  return n;
}

async function until(cond: () => boolean, ms: number): Promise<boolean> {
  const end = Date.now() + ms;
  while (Date.now() < end) {
    if (cond()) return true;
    await sleep(20);
  }
  return cond();
}

/** A `ws` echo server; `serverSide` holds its end of each connection. */
async function wsEcho(): Promise<{ port: number; serverSide: WebSocket[]; closes: Array<{ code: number }>; close: () => Promise<void> }> {
  const http = createServer((_req, res) => res.end('no'));
  const wss = new WebSocketServer({ server: http });
  const serverSide: WebSocket[] = [];
  const closes: Array<{ code: number }> = [];
  wss.on('connection', (ws) => {
    serverSide.push(ws);
    ws.on('message', (m, binary) => ws.send(m, { binary }));
    ws.on('close', (code) => closes.push({ code }));
    ws.on('error', () => {});
  });
  await new Promise<void>((r) => http.listen(0, '127.0.0.1', r));
  return {
    port: (http.address() as AddressInfo).port,
    serverSide,
    closes,
    close: async () => {
      for (const c of wss.clients) c.terminate();
      wss.close();
      http.closeAllConnections();
      await new Promise((r) => http.close(r));
    },
  };
}

function proxyConfig(listen: number, dial: string, extra: Record<string, unknown> = {}, body = 'one') {
  return {
    apps: {
      http: {
        servers: {
          s: {
            listen: [`127.0.0.1:${listen}`],
            routes: [
              { match: [{ path: ['/ws', '/sse', '/slow', '/api'] }], handle: [{ handler: 'reverse_proxy', upstreams: [{ dial }], ...extra }] },
              { handle: [{ handler: 'static_response', body }] },
            ],
          },
        },
      },
    },
  };
}

function openWs(port: number): Promise<WebSocket> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(`ws://127.0.0.1:${port}/ws`);
    ws.once('open', () => resolve(ws));
    ws.once('error', reject);
  });
}

const echo = (ws: WebSocket, text: string) =>
  new Promise<string>((resolve) => {
    ws.once('message', (m) => resolve(String(m)));
    ws.send(text);
  });

const closed = (ws: WebSocket) => new Promise<number>((r) => (ws.readyState === WebSocket.CLOSED ? r(-1) : ws.once('close', (code) => r(code))));

describe('tunnels and streams', () => {
  const cleanups: Array<() => Promise<void>> = [];
  afterEach(async () => {
    for (const c of cleanups.splice(0).reverse()) await c();
  });

  async function setUp(extra: Record<string, unknown> = {}) {
    const backendWs = await wsEcho();
    cleanups.push(() => backendWs.close());
    const port = await freePort();
    const logs = logCollector();
    const runtime = new Runtime({ log: logs.log });
    await runtime.load(proxyConfig(port, `127.0.0.1:${backendWs.port}`, extra));
    cleanups.push(() => runtime.stop());
    return { backendWs, port, runtime, logs: logs.lines };
  }

  it('a WebSocket echo closed by the client, then one closed by the backend, leave no socket descriptor behind', async () => {
    const { backendWs, port } = await setUp();
    await sleep(50);
    const baseline = socketFds();

    const a = await openWs(port);
    expect(await echo(a, 'hello')).toBe('hello');
    expect(socketFds()).toBeGreaterThanOrEqual(baseline + 3);
    a.close(1000, 'bye');
    expect(await closed(a)).toBe(1000);
    expect(await until(() => socketFds() === baseline, 3000)).toBe(true);
    expect(backendWs.closes.at(-1)).toEqual({ code: 1000 });

    const b = await openWs(port);
    expect(await echo(b, 'again')).toBe('again');
    backendWs.serverSide.at(-1)!.close(1011, 'server says bye');
    expect(await closed(b)).toBe(1011);
    expect(await until(() => socketFds() === baseline, 3000)).toBe(true);
  });

  it('stream_timeout closes a tunnel older than it (both sockets)', async () => {
    const { port, backendWs } = await setUp({ stream_timeout: '300ms' });
    // Measured from before the upgrade, so the tunnel's timer cannot have started earlier.
    const t0 = Date.now();
    const ws = await openWs(port);
    expect(await echo(ws, 'x')).toBe('x');
    await closed(ws);
    const ms = Date.now() - t0;
    expect(ms).toBeGreaterThanOrEqual(290);
    expect(ms).toBeLessThan(2500);
    expect(await until(() => backendWs.closes.length === 1, 2000)).toBe(true);
  });

  it('stream_close_delay keeps a tunnel across a reload for that long, then sends 1001 to both peers', async () => {
    const { port, runtime, backendWs } = await setUp({ stream_close_delay: '400ms' });
    const ws = await openWs(port);
    const code = closed(ws);
    expect(await echo(ws, 'before')).toBe('before');
    await runtime.load(proxyConfig(port, `127.0.0.1:${backendWs.port}`, { stream_close_delay: '400ms' }, 'two'));
    const reloaded = Date.now();
    expect(await echo(ws, 'after reload')).toBe('after reload');
    expect(await code).toBe(1001);
    expect(Date.now() - reloaded).toBeGreaterThanOrEqual(300);
    expect(await until(() => backendWs.closes.length === 1, 2000)).toBe(true);
    expect(backendWs.closes[0]).toEqual({ code: 1001 });
    // A tunnel the new config opened is not affected.
    const fresh = await openWs(port);
    expect(await echo(fresh, 'new')).toBe('new');
    fresh.close();
  });

  it('stopping the server (SIGTERM) sends 1001 to both peers and finishes', async () => {
    const { port, runtime, backendWs } = await setUp();
    const ws = await openWs(port);
    const code = closed(ws);
    expect(await echo(ws, 'x')).toBe('x');
    const t0 = Date.now();
    await runtime.stop();
    expect(Date.now() - t0).toBeLessThan(2000);
    expect(await code).toBe(1001);
    expect(await until(() => backendWs.closes.length === 1, 2000)).toBe(true);
    expect(backendWs.closes[0]).toEqual({ code: 1001 });
  });

  it('a non-WebSocket upgrade gets no close frame from a stop, only the close', async () => {
    const upgraded = new Set<Duplex>();
    const raw = await backend(
      (_req, res) => res.end('no'),
      (_req, socket) => {
        upgraded.add(socket);
        socket.on('error', () => {});
        socket.write('HTTP/1.1 101 Switching Protocols\r\nUpgrade: custom\r\nConnection: Upgrade\r\n\r\n');
        socket.on('data', (d: Buffer) => socket.write(d));
      },
    );
    cleanups.push(() => {
      for (const s of upgraded) s.destroy();
      return raw.close();
    });
    const port = await freePort();
    const runtime = new Runtime({});
    await runtime.load(proxyConfig(port, raw.dial));
    cleanups.push(() => runtime.stop());
    const socket = connect(port, '127.0.0.1');
    socket.write('GET /ws HTTP/1.1\r\nHost: x\r\nConnection: Upgrade\r\nUpgrade: custom\r\n\r\n');
    const head = await new Promise<string>((resolve) => {
      let buf = '';
      const onData = (d: Buffer) => {
        buf += d.toString('latin1');
        if (buf.includes('\r\n\r\n')) {
          socket.off('data', onData);
          resolve(buf);
        }
      };
      socket.on('data', onData);
    });
    expect(head).toMatch(/^HTTP\/1\.1 101/);
    expect(head.endsWith('\r\n\r\n')).toBe(true);
    socket.write('ping');
    expect((await readBytes(socket, 4)).toString()).toBe('ping');
    const rest: Buffer[] = [];
    socket.on('data', (d: Buffer) => rest.push(d));
    const gone = new Promise((r) => socket.once('close', r));
    await runtime.stop();
    await gone;
    expect(Buffer.concat(rest).length).toBe(0);
  });

  it('server-sent events arrive one by one, each before the next is written', async () => {
    const written: number[] = [];
    const sse = await backend((_req, res) => {
      res.writeHead(200, { 'Content-Type': 'text/event-stream' });
      let i = 0;
      const t = setInterval(() => {
        written.push(Date.now());
        res.write(`data: ${i++}\n\n`);
        if (i === 3) {
          clearInterval(t);
          res.end();
        }
      }, 300);
    });
    cleanups.push(() => sse.close());
    const port = await freePort();
    const runtime = new Runtime({});
    await runtime.load(proxyConfig(port, sse.dial));
    cleanups.push(() => runtime.stop());
    const arrivals = await new Promise<Array<{ at: number; text: string }>>((resolve, reject) => {
      const out: Array<{ at: number; text: string }> = [];
      request({ host: '127.0.0.1', port, path: '/sse' }, (res) => {
        res.setEncoding('utf8');
        res.on('data', (d: string) => out.push({ at: Date.now(), text: d }));
        res.on('end', () => resolve(out));
      })
        .on('error', reject)
        .end();
    });
    expect(arrivals.map((a) => a.text).join('')).toBe('data: 0\n\ndata: 1\n\ndata: 2\n\n');
    expect(arrivals.length).toBeGreaterThanOrEqual(3);
    // The first event arrived before the last was written (300 ms later), not with it.
    expect(arrivals[0]!.text).toBe('data: 0\n\n');
    expect(arrivals[0]!.at).toBeLessThan(written[2]!);
  });

  it('a backend killed under load fails only the requests in flight; later ones go to the other upstream', async () => {
    const sockets = new Set<Socket>();
    let victim: Server | null = createServer((_req, res) => setTimeout(() => res.end('victim'), 30));
    victim.on('connection', (s) => {
      sockets.add(s);
      s.on('close', () => sockets.delete(s));
    });
    await new Promise<void>((r) => victim!.listen(0, '127.0.0.1', r));
    const victimDial = `127.0.0.1:${(victim.address() as AddressInfo).port}`;
    const other = await backend((_req, res) => setTimeout(() => res.end('other'), 30));
    cleanups.push(() => other.close());
    const port = await freePort();
    const runtime = new Runtime({});
    await runtime.load({
      apps: {
        http: {
          servers: {
            s: {
              listen: [`127.0.0.1:${port}`],
              routes: [
                {
                  handle: [
                    {
                      handler: 'reverse_proxy',
                      upstreams: [{ dial: victimDial }, { dial: other.dial }],
                      load_balancing: { selection_policy: { policy: 'round_robin' }, retries: 2 },
                      health_checks: { passive: { fail_duration: '10s', max_fails: 1 } },
                    },
                  ],
                },
              ],
            },
          },
        },
      },
    });
    cleanups.push(() => runtime.stop());
    const results: Array<{ status: number; at: number; text: string }> = [];
    const t0 = Date.now();
    let killedAt = 0;
    let inFlightAtKill = 0;
    let inflight = 0;
    const worker = async () => {
      while (Date.now() - t0 < 1200) {
        inflight++;
        const r = await send(port, '/api').catch(() => ({ status: 0, text: '' }));
        inflight--;
        results.push({ status: r.status, at: Date.now() - t0, text: r.text });
      }
    };
    const workers = Array.from({ length: 8 }, worker);
    await sleep(400);
    killedAt = Date.now() - t0;
    inFlightAtKill = inflight;
    victim.close();
    for (const s of sockets) s.destroy();
    victim = null;
    await Promise.all(workers);
    const failed = results.filter((r) => r.status !== 200);
    // GETs in flight are retried (idempotent), so at most those fail; none after.
    expect(failed.length).toBeLessThanOrEqual(inFlightAtKill);
    expect(results.filter((r) => r.at > killedAt + 300).every((r) => r.status === 200 && r.text === 'other')).toBe(true);
    expect(results.filter((r) => r.status === 200).length).toBeGreaterThan(40);
  });

  it('a backend that never accepts: dial_timeout answers 504 with the dial error logged, at the timeout', async () => {
    // A listener that never accepts, its backlog full: further connects get no answer at all.
    const py = spawn('python3', ['-c', 'import socket,sys,time\ns=socket.socket()\ns.bind(("127.0.0.1",0))\ns.listen(0)\nprint(s.getsockname()[1],flush=True)\ntime.sleep(60)'], { stdio: ['ignore', 'pipe', 'inherit'] });
    cleanups.push(async () => {
      py.kill('SIGKILL');
    });
    const pyPort = await new Promise<number>((resolve) => py.stdout!.once('data', (d: Buffer) => resolve(Number(String(d).trim()))));
    const fillers: Socket[] = [];
    for (let i = 0; i < 4; i++) fillers.push(connect(pyPort, '127.0.0.1').on('error', () => {}));
    cleanups.push(async () => {
      for (const f of fillers) f.destroy();
    });
    await sleep(100);
    const port = await freePort();
    const logs = logCollector();
    const runtime = new Runtime({ log: logs.log });
    await runtime.load(proxyConfig(port, `127.0.0.1:${pyPort}`, { transport: { protocol: 'http', dial_timeout: '400ms' } }));
    cleanups.push(() => runtime.stop());
    const t0 = Date.now();
    const r = await send(port, '/api');
    const ms = Date.now() - t0;
    expect(r.status).toBe(504);
    expect(ms).toBeGreaterThanOrEqual(350);
    expect(ms).toBeLessThan(3000);
    const err = logs.lines.find((l) => l.logger === 'http.log.error');
    expect(err?.msg).toBe(`dial tcp 127.0.0.1:${pyPort}: i/o timeout`);
  });

  it('a backend that hangs: response_header_timeout answers 504 with a log line', async () => {
    const hang = await backend(() => {
      // never answers
    });
    cleanups.push(() => hang.close());
    const port = await freePort();
    const logs = logCollector();
    const runtime = new Runtime({ log: logs.log });
    await runtime.load({
      apps: {
        http: {
          servers: {
            s: {
              listen: [`127.0.0.1:${port}`],
              routes: [
                { match: [{ path: ['/hang'] }], handle: [{ handler: 'reverse_proxy', upstreams: [{ dial: hang.dial }], transport: { protocol: 'http', response_header_timeout: '300ms' } }] },
              ],
            },
          },
        },
      },
    });
    cleanups.push(() => runtime.stop());
    let t0 = Date.now();
    expect((await send(port, '/hang')).status).toBe(504);
    expect(Date.now() - t0).toBeLessThan(2000);
    const errors = logs.lines.filter((l) => l.logger === 'http.log.error');
    expect(errors.map((l) => l.msg).join('\n')).toMatch(/timeout awaiting response headers/);
  });
});
