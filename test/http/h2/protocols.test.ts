// The server `protocols` option as a client meets it (ALPN offered, h2c
// accepted or not), and HTTP/2 connections through the engine's lifecycle:
// reloads, idle timeout, `Connection: close`, draining at stop.
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer } from 'node:http';
import { connect as h2connect, constants } from 'node:http2';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { connect as tlsConnect } from 'node:tls';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Runtime } from '../../../src/runtime/runtime.js';
import { validateConfig } from '../../../src/runtime/validate.js';
import { freePort } from '../../support/free_port.js';
import { logCollector } from '../../support/net.js';
import { h1, h2 } from './clients.js';
import { FLAG, FRAME, RawH2, request } from './frames.js';

let dir: string;
let env: NodeJS.ProcessEnv;
const ca = () => readFileSync(join(dir, 'data', 'tsweb', 'pki', 'authorities', 'local', 'root.crt'));

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'tsweb-h2-protocols-'));
  env = { ...process.env, XDG_DATA_HOME: join(dir, 'data') };
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const respond = (body: string, extra: Record<string, unknown> = {}) => ({ handler: 'static_response', body, ...extra });
const localhost = (body: string) => [{ match: [{ host: ['localhost'] }], handle: [respond(body)], terminal: true }];

/** The protocol the TLS handshake settles on when the client offers h2 and http/1.1 (no SNI: servername ''). */
function negotiated(port: number, servername = 'localhost'): Promise<string | false> {
  return new Promise((resolve, reject) => {
    const s = tlsConnect({ host: '127.0.0.1', port, servername, ca: ca(), ALPNProtocols: ['h2', 'http/1.1'], checkServerIdentity: () => undefined }, () => {
      resolve(s.alpnProtocol ?? false);
      s.destroy();
    });
    s.on('error', reject);
  });
}

async function withRuntime(http: Record<string, unknown>, fn: (r: Runtime) => Promise<void>, log = logCollector().log): Promise<void> {
  const r = new Runtime({ env, log });
  try {
    await r.load({ apps: { http } });
    await fn(r);
  } finally {
    await r.stop();
  }
}

describe('the protocols option', () => {
  it('offers h2 by default over TLS, and only http/1.1 when protocols leaves h2 out', async () => {
    const [a, b] = [await freePort(), await freePort()];
    await withRuntime({
      http_port: await freePort(),
      servers: {
        both: { listen: [`127.0.0.1:${a}`], routes: localhost('both'), tls_connection_policies: [{}] },
        h1only: { listen: [`127.0.0.1:${b}`], routes: localhost('h1 only'), tls_connection_policies: [{}], protocols: ['h1'] },
      },
    }, async () => {
      expect(await negotiated(a)).toBe('h2');
      expect(await negotiated(b)).toBe('http/1.1');
      expect((await h2({ port: a, host: 'localhost', ca: ca() }).request('/')).text).toBe('both');
      expect((await h1({ port: b, host: 'localhost', ca: ca() }).request('/')).text).toBe('h1 only');
    });
  });

  it('negotiates ALPN with a client that sends no SNI (default_sni picks the certificate)', async () => {
    const a = await freePort();
    await withRuntime({
      http_port: await freePort(),
      servers: { s: { listen: [`127.0.0.1:${a}`], routes: localhost('x'), tls_connection_policies: [{ default_sni: 'localhost' }] } },
    }, async () => {
      // This handshake used to fail: the ALPN callback got servername false and threw.
      expect(await negotiated(a, '')).toBe('h2');
    });
  });

  it('listen_protocols overrides per address ("" = the server\'s others)', async () => {
    const [a, b] = [await freePort(), await freePort()];
    await withRuntime({
      http_port: await freePort(),
      servers: {
        s: { listen: [`127.0.0.1:${a}`, `127.0.0.1:${b}`], listen_protocols: [['h1'], null], routes: localhost('x'), tls_connection_policies: [{}] },
      },
    }, async () => {
      expect(await negotiated(a)).toBe('http/1.1');
      expect(await negotiated(b)).toBe('h2');
    });
  });

  it('serves h2c with prior knowledge only where protocols has h2c; plain HTTP/1.1 still works there', async () => {
    const [a, b] = [await freePort(), await freePort()];
    await withRuntime({
      servers: {
        h2c: { listen: [`127.0.0.1:${a}`], protocols: ['h1', 'h2c'], routes: [{ handle: [respond('{http.request.proto}')] }] },
        plain: { listen: [`127.0.0.1:${b}`], routes: [{ handle: [respond('{http.request.proto}')] }] },
      },
    }, async () => {
      expect((await h2({ port: a, host: 'localhost' }).request('/')).text).toBe('HTTP/2.0');
      expect((await h1({ port: a, host: 'localhost' }).request('/')).text).toBe('HTTP/1.1');
      // Without h2c the preface is not HTTP/2's: no SETTINGS comes back.
      const raw = await RawH2.open(b);
      const got = await raw.waitFor((f) => f.type === FRAME.SETTINGS, 1000);
      raw.close();
      expect(got).toBeNull();
      expect((await h1({ port: b, host: 'localhost' }).request('/')).text).toBe('HTTP/1.1');
    });
  });

  it('h2c alone refuses HTTP/1.1 connections', async () => {
    const a = await freePort();
    await withRuntime({ servers: { s: { listen: [`127.0.0.1:${a}`], protocols: ['h2c'], routes: [{ handle: [respond('ok')] }] } } }, async () => {
      expect((await h2({ port: a, host: 'localhost' }).request('/')).text).toBe('ok');
      await expect(h1({ port: a, host: 'localhost' }).request('/')).rejects.toThrow();
    });
  });

  it('logs the protocols in "server running"', async () => {
    const a = await freePort();
    const logs = logCollector();
    await withRuntime({ servers: { s: { listen: [`127.0.0.1:${a}`], protocols: ['h1', 'h2c'], routes: [] } } }, async () => {
      const line = logs.lines.find((l) => l.msg === 'server running');
      expect(line?.fields.protocols).toEqual(['h1', 'h2c']);
    }, logs.log);
  });

  it('refuses unknown protocols and a listen_protocols of the wrong length at load', () => {
    const bad = (s: Record<string, unknown>) => validateConfig({ apps: { http: { servers: { s: { listen: [':0'], ...s } } } } }, { env });
    expect(() => bad({ protocols: ['h1', 'h4'] })).toThrow(/server s: protocols: unknown protocol 'h4': expected h1, h2, h2c, or h3/);
    expect(() => bad({ listen_protocols: [['h1'], ['h2']] })).toThrow(/listener protocols count does not match address count: 2 != 1/);
  });
});

describe('HTTP/2 connections through the lifecycle', () => {
  it('a reload switches an open HTTP/2 connection to the new config', async () => {
    const a = await freePort();
    const cfg = (body: string) => ({ apps: { http: { servers: { s: { listen: [`127.0.0.1:${a}`], protocols: ['h1', 'h2c'], routes: [{ handle: [respond(body)] }] } } } } });
    const r = new Runtime({ env, log: logCollector().log });
    const t = h2({ port: a, host: 'localhost' });
    try {
      await r.load(cfg('first'));
      expect((await t.request('/')).text).toBe('first');
      await r.load(cfg('second'));
      expect((await t.request('/')).text).toBe('second');
    } finally {
      t.close();
      await r.stop();
    }
  });

  it('Connection: close from a handler ends the HTTP/2 connection after the response (GOAWAY)', async () => {
    const a = await freePort();
    await withRuntime({ servers: { s: { listen: [`127.0.0.1:${a}`], protocols: ['h1', 'h2c'], routes: [{ handle: [respond('bye', { close: true })] }] } } }, async () => {
      const raw = await RawH2.open(a);
      raw.send(request(1, []));
      expect(await raw.waitFor((f) => f.type === FRAME.DATA && f.stream === 1)).not.toBeNull();
      expect(await raw.waitFor((f) => f.type === FRAME.GOAWAY)).not.toBeNull();
      raw.close();
    });
  });

  it('an empty response to a client accepting trailers is one HEADERS frame with END_STREAM (gRPC trailers-only)', async () => {
    const a = await freePort();
    await withRuntime({ servers: { s: { listen: [`127.0.0.1:${a}`], protocols: ['h1', 'h2c'], routes: [{ handle: [respond('', { headers: { 'Grpc-Status': ['3'], 'Content-Type': ['application/grpc'] } })] }] } } }, async () => {
      const raw = await RawH2.open(a);
      raw.send(request(1, [['te', 'trailers']]));
      const head = await raw.waitFor((f) => f.type === FRAME.HEADERS && f.stream === 1);
      expect(head).not.toBeNull();
      expect(head!.flags & FLAG.END_STREAM).toBe(FLAG.END_STREAM);
      await new Promise((resolve) => setTimeout(resolve, 100));
      expect(raw.frames.filter((f) => f.stream === 1).map((f) => f.type)).toEqual([FRAME.HEADERS]);
      raw.close();
    });
  });

  it('an idle connection is closed after idle_timeout', async () => {
    const a = await freePort();
    await withRuntime({ servers: { s: { listen: [`127.0.0.1:${a}`], protocols: ['h1', 'h2c'], idle_timeout: '300ms', routes: [{ handle: [respond('ok')] }] } } }, async () => {
      const raw = await RawH2.open(a);
      raw.send(request(1, []));
      expect(await raw.waitFor((f) => f.type === FRAME.DATA && f.stream === 1 && (f.flags & FLAG.END_STREAM) !== 0)).not.toBeNull();
      const start = Date.now();
      expect(await raw.waitFor((f) => f.type === FRAME.GOAWAY, 5000)).not.toBeNull();
      expect(Date.now() - start).toBeGreaterThanOrEqual(200);
      raw.close();
    });
  });

  it('stopping lets a running HTTP/2 stream finish (GOAWAY first)', async () => {
    const slow = createServer((_req, res) => setTimeout(() => res.end('slow done'), 400));
    await new Promise<void>((resolve) => slow.listen(0, '127.0.0.1', resolve));
    const a = await freePort();
    const r = new Runtime({ env, log: logCollector().log });
    const upstream = `127.0.0.1:${(slow.address() as AddressInfo).port}`;
    await r.load({ apps: { http: { servers: { s: { listen: [`127.0.0.1:${a}`], protocols: ['h1', 'h2c'], routes: [{ handle: [{ handler: 'reverse_proxy', upstreams: [{ dial: upstream }] }] }] } } } } });
    const t = h2({ port: a, host: 'localhost' });
    try {
      const running = t.request('/');
      await new Promise((resolve) => setTimeout(resolve, 100));
      const stopped = r.stop();
      const got = await running;
      expect(got.status).toBe(200);
      expect(got.text).toBe('slow done');
      await stopped;
      await expect(t.request('/')).rejects.toThrow();
    } finally {
      t.close();
      slow.close();
    }
  });

  it('a client that resets its stream mid-body ends the proxied exchange; stop does not wait for it', async () => {
    let upstreamGone!: () => void;
    const gone = new Promise<void>((resolve) => (upstreamGone = resolve));
    const backend = createServer((req, res) => {
      req.resume();
      req.on('end', () => res.end('never'));
      req.on('close', () => upstreamGone());
    });
    await new Promise<void>((resolve) => backend.listen(0, '127.0.0.1', resolve));
    const a = await freePort();
    const r = new Runtime({ env, log: logCollector().log });
    const upstream = `127.0.0.1:${(backend.address() as AddressInfo).port}`;
    await r.load({ apps: { http: { servers: { s: { listen: [`127.0.0.1:${a}`], protocols: ['h1', 'h2c'], routes: [{ handle: [{ handler: 'reverse_proxy', upstreams: [{ dial: upstream }] }] }] } } } } });
    const session = h2connect(`http://127.0.0.1:${a}`);
    session.on('error', () => {});
    try {
      const req = session.request({ ':method': 'POST', ':path': '/' });
      req.on('error', () => {});
      req.write('part of a body');
      await new Promise((resolve) => setTimeout(resolve, 200));
      req.close(constants.NGHTTP2_CANCEL);
      await gone;
      const stopped = await Promise.race([r.stop().then(() => 'stopped'), new Promise((resolve) => setTimeout(() => resolve('still waiting'), 5000))]);
      expect(stopped).toBe('stopped');
    } finally {
      session.destroy();
      backend.closeAllConnections();
      backend.close();
    }
  });
});
