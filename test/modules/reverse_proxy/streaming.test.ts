// reverse_proxy streams: the first chunk of a slow response reaches the client
// before the backend finishes, server-sent events arrive one by one (also
// behind encode), a large upload flows through without being buffered whole,
// and a WebSocket (HTTP Upgrade) is tunnelled both ways.
import { createHash } from 'node:crypto';
import { request } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { site, type Site } from '../../support/client.js';
import { type Backend, backend, readBytes, upgradeClient } from './backends.js';

const proxy = (dials: string[], extra: Record<string, unknown> = {}) => ({ handler: 'reverse_proxy', upstreams: dials.map((dial) => ({ dial })), ...extra });

/** GET that resolves at the first body chunk, with the time it took, then lets the rest finish. */
function firstChunk(port: number, path: string, headers: Record<string, string> = {}): Promise<{ ms: number; chunk: string; status: number; headers: Record<string, unknown>; rest: Promise<string> }> {
  const t0 = Date.now();
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, path, headers, agent: false, timeout: 10_000 }, (res) => {
      let all = '';
      let resolveRest!: (s: string) => void;
      const rest = new Promise<string>((r) => (resolveRest = r));
      let first = true;
      res.setEncoding('utf8');
      res.on('data', (d: string) => {
        all += d;
        if (first) {
          first = false;
          resolve({ ms: Date.now() - t0, chunk: d, status: res.statusCode ?? 0, headers: res.headers, rest });
        }
      });
      res.on('end', () => resolveRest(all));
    });
    req.on('timeout', () => req.destroy(new Error('timeout')));
    req.on('error', reject);
    req.end();
  });
}

describe('streaming', () => {
  let slow: Backend, sse: Backend, upload: Backend, ws: Backend, s: Site;
  beforeAll(async () => {
    slow = await backend((_req, res) => {
      res.write('first chunk\n');
      setTimeout(() => res.end('second chunk\n'), 800);
    });
    sse = await backend((_req, res) => {
      res.writeHead(200, { 'Content-Type': 'text/event-stream', 'Cache-Control': 'no-cache' });
      res.write('data: one\n\n');
      setTimeout(() => res.end('data: two\n\n'), 800);
    });
    upload = await backend((req, res) => {
      const hash = createHash('sha256');
      let n = 0;
      req.on('data', (c: Buffer) => {
        n += c.length;
        hash.update(c);
      });
      req.on('end', () => res.end(JSON.stringify({ n, sha: hash.digest('hex'), te: req.headers['transfer-encoding'] ?? null })));
    });
    ws = await backend(
      (_req, res) => res.end('not an upgrade'),
      (req, socket, head) => {
        socket.write(`HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nX-Path: ${req.url}\r\nX-Upgrade-Seen: ${req.headers.upgrade}\r\n\r\n`);
        if (head.length) socket.write(head);
        socket.pipe(socket); // echo every byte
      },
    );
    s = await site([
      { match: [{ path: ['/slow'] }], handle: [proxy([slow.dial])] },
      { match: [{ path: ['/sse'] }], handle: [proxy([sse.dial])] },
      { match: [{ path: ['/sse-encoded'] }], handle: [{ handler: 'encode', encodings: { gzip: {} } }, proxy([sse.dial])] },
      { match: [{ path: ['/slow-flush'] }], handle: [proxy([slow.dial], { flush_interval: -1 })] },
      { match: [{ path: ['/upload'] }], handle: [proxy([upload.dial])] },
      { match: [{ path: ['/ws/*'] }], handle: [proxy([ws.dial])] },
      { match: [{ path: ['/plain'] }], handle: [{ handler: 'static_response', body: 'plain answer' }] },
    ]);
  });
  afterAll(async () => {
    await s?.stop();
    await Promise.all([slow, sse, upload, ws].map((b) => b?.close()));
  });

  it('the first chunk arrives before the backend finishes', async () => {
    const r = await firstChunk(s.port, '/slow');
    expect(r.chunk).toBe('first chunk\n');
    expect(r.ms).toBeLessThan(600);
    expect(await r.rest).toBe('first chunk\nsecond chunk\n');
  });
  it('flush_interval -1 streams too', async () => {
    const r = await firstChunk(s.port, '/slow-flush');
    expect(r.ms).toBeLessThan(600);
    expect(await r.rest).toBe('first chunk\nsecond chunk\n');
  });
  it('server-sent events reach the client one by one', async () => {
    const r = await firstChunk(s.port, '/sse');
    expect(r.headers['content-type']).toBe('text/event-stream');
    expect(r.chunk).toBe('data: one\n\n');
    expect(r.ms).toBeLessThan(600);
    expect(await r.rest).toBe('data: one\n\ndata: two\n\n');
  });
  it('server-sent events behind encode are not held back (encode never delays an event stream)', async () => {
    const r = await firstChunk(s.port, '/sse-encoded', { 'Accept-Encoding': 'gzip' });
    expect(r.ms).toBeLessThan(600);
    const rest = await r.rest;
    if (r.headers['content-encoding'] === undefined) expect(rest).toBe('data: one\n\ndata: two\n\n');
  });
  it('a large upload streams through whole and unchanged (chunked, backpressured)', async () => {
    const chunk = Buffer.alloc(1 << 20, 7);
    const total = 48;
    const hash = createHash('sha256');
    const result = await new Promise<{ n: number; sha: string; te: string | null }>((resolve, reject) => {
      const req = request({ host: '127.0.0.1', port: s.port, path: '/upload', method: 'POST', agent: false, timeout: 20_000 }, (res) => {
        let body = '';
        res.setEncoding('utf8');
        res.on('data', (d: string) => (body += d));
        res.on('end', () => resolve(JSON.parse(body)));
      });
      req.on('error', reject);
      req.on('timeout', () => req.destroy(new Error('timeout')));
      let i = 0;
      const pump = () => {
        while (i < total) {
          i++;
          hash.update(chunk);
          if (!req.write(chunk)) return void req.once('drain', pump);
        }
        req.end();
      };
      pump();
    });
    expect(result.n).toBe(total << 20);
    expect(result.sha).toBe(hash.digest('hex'));
    expect(result.te).toBe('chunked');
  }, 30_000);
  it('WebSocket: the upgrade is forwarded and bytes are echoed both ways', async () => {
    const { socket, head, rest } = await upgradeClient(s.port, '/ws/chat?room=1');
    try {
      expect(head).toMatch(/^HTTP\/1\.1 101 /);
      expect(head).toMatch(/\r\nUpgrade: websocket/i);
      expect(head).toMatch(/\r\nConnection: Upgrade/i);
      expect(head).toMatch(/\r\nX-Path: \/ws\/chat\?room=1/);
      expect(head).toMatch(/\r\nX-Upgrade-Seen: websocket/);
      socket.write('hello over the tunnel');
      expect((await readBytes(socket, 21, rest)).toString()).toBe('hello over the tunnel');
      const big = Buffer.alloc(2 << 20, 1);
      socket.write(big);
      expect((await readBytes(socket, big.length)).length).toBe(big.length);
    } finally {
      socket.destroy();
    }
  });
  it('an upgrade request to a non-proxy handler gets an ordinary response', async () => {
    const { socket, head, rest } = await upgradeClient(s.port, '/plain');
    try {
      expect(head).toMatch(/^HTTP\/1\.1 200 /);
      expect((await readBytes(socket, 12, rest)).toString()).toBe('plain answer');
    } finally {
      socket.destroy();
    }
  });
});
