// The proxy's fast path (requests without a body or upgrade, over undici):
// what a user sees must be what the general path gives — no upstream
// connection churn under steady load, trailers and placeholders passed on,
// HEAD, unix sockets, a client that hangs up, a backend that dies.
import { request } from 'node:http';
import { createServer } from 'node:http';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { send, site, type Site } from '../support/client.js';
import { type Backend, backend } from '../modules/reverse_proxy/backends.js';

const proxy = (dials: string[], extra: Record<string, unknown> = {}) => ({ handler: 'reverse_proxy', upstreams: dials.map((dial) => ({ dial })), ...extra });

/** `n` requests at once, each on its own client connection; resolves with their statuses. */
function concurrent(port: number, path: string, n: number): Promise<number[]> {
  return Promise.all(Array.from({ length: n }, () => send(port, path).then((r) => r.status)));
}

/** One request; resolves with the status, body and trailers the client received. */
function withTrailers(port: number, path: string): Promise<{ status: number; body: string; trailers: Record<string, string | undefined>; trailerHeader: string | undefined }> {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, path, agent: false }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (c: string) => (body += c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body, trailers: res.trailers, trailerHeader: res.headers.trailer }));
      res.on('error', reject);
    });
    req.on('error', reject);
    req.end();
  });
}

describe('reverse_proxy fast path', () => {
  let slow: Backend, misc: Backend, s: Site;
  let slowConnections = 0;
  let dir: string;
  let unixServer: ReturnType<typeof createServer>;
  beforeAll(async () => {
    // Answers after 50 ms, so that requests sent together are in flight together.
    slow = await backend((_req, res) => {
      setTimeout(() => res.end('slow'), 50);
    });
    slow.server.on('connection', () => slowConnections++);
    misc = await backend((req, res) => {
      if (req.url === '/trailers') {
        res.writeHead(200, { 'Content-Type': 'text/plain', Trailer: 'Grpc-Status, Grpc-Message' });
        res.write('body');
        res.addTrailers({ 'Grpc-Status': '0', 'Grpc-Message': 'fine' });
        res.end();
        return;
      }
      if (req.url === '/big') {
        // 8 MiB in 64 KiB writes, each after the previous one drained.
        res.setHeader('Content-Type', 'application/octet-stream');
        let left = 128;
        const chunk = Buffer.alloc(64 * 1024, 7);
        const more = () => {
          while (left > 0) {
            left--;
            if (!res.write(chunk)) return void res.once('drain', more);
          }
          res.end();
        };
        more();
        return;
      }
      if (req.url === '/hints') {
        res.writeEarlyHints({ link: '</style.css>; rel=preload; as=style' });
        setTimeout(() => res.end('after hints'), 20);
        return;
      }
      if (req.url === '/lower') {
        // node:http sends names as the app wrote them: lower case here.
        res.setHeader('x-lower-case', 'seen');
        res.end('lower');
        return;
      }
      res.setHeader('Content-Type', 'text/plain');
      res.setHeader('X-Method', req.method ?? '');
      res.end(req.method === 'HEAD' ? undefined : 'misc');
    });
    dir = mkdtempSync(join(tmpdir(), 'tsweb-fast-'));
    unixServer = createServer((_req, res) => res.end('over unix'));
    await new Promise<void>((r) => unixServer.listen(join(dir, 'up.sock'), r));
    s = await site([
      { match: [{ path: ['/slow'] }], handle: [proxy([slow.dial])] },
      { match: [{ path: ['/unix'] }], handle: [proxy([`unix/${join(dir, 'up.sock')}`])] },
      { match: [{ path: ['/lower'] }], handle: [proxy([misc.dial], { headers: { response: { set: { 'X-Copied': ['{http.reverse_proxy.header.X-Lower-Case}'] } } } })] },
      { handle: [proxy([misc.dial])] },
    ]);
  });
  afterAll(async () => {
    await s?.stop();
    await slow?.close();
    await misc?.close();
    unixServer?.closeAllConnections();
    await new Promise<void>((r) => (unixServer ? unixServer.close(() => r()) : r()));
    rmSync(dir, { recursive: true, force: true });
  });

  it('steady load opens no new upstream connections: the idle pool keeps every socket in use (more than Caddy’s 32)', async () => {
    // 60 at once: Go's (and node:http's) 32 idle sockets per host would close 28 after each wave and open them again.
    for (let wave = 0; wave < 4; wave++) expect(await concurrent(s.port, '/slow', 60)).toEqual(Array(60).fill(200));
    // Never more connections than requests at once; with 32 kept, each wave would open ~28 again (~144 in all).
    expect(slowConnections).toBeGreaterThan(32);
    expect(slowConnections).toBeLessThanOrEqual(60);
  });

  it('trailers from the upstream reach the client, announced in Trailer', async () => {
    const r = await withTrailers(s.port, '/trailers');
    expect(r.status).toBe(200);
    expect(r.body).toBe('body');
    expect(r.trailers['grpc-status']).toBe('0');
    expect(r.trailers['grpc-message']).toBe('fine');
    expect(r.trailerHeader).toBe('Grpc-Status, Grpc-Message');
  });

  it('{http.reverse_proxy.header.*} finds a field the upstream sent in lower case (Go canonicalizes names)', async () => {
    const r = await send(s.port, '/lower');
    expect(r.text).toBe('lower');
    expect(r.headers['x-copied']).toBe('seen');
  });

  it('a large body to a client that stops reading for a while arrives whole (backpressure both ways)', async () => {
    const got = await new Promise<number>((resolve, reject) => {
      const req = request({ host: '127.0.0.1', port: s.port, path: '/big', agent: false }, (res) => {
        let n = 0;
        res.on('data', (c: Buffer) => (n += c.length));
        res.on('end', () => resolve(n));
        res.on('error', reject);
        res.pause();
        setTimeout(() => res.resume(), 300);
      });
      req.on('error', reject);
      req.end();
    });
    expect(got).toBe(8 * 1024 * 1024);
  });

  it('103 Early Hints from the upstream reach the client before the final answer, which does not carry them', async () => {
    const r = await new Promise<{ hints: string[]; status: number; link: unknown; body: string }>((resolve, reject) => {
      const hints: string[] = [];
      const req = request({ host: '127.0.0.1', port: s.port, path: '/hints', agent: false }, (res) => {
        let body = '';
        res.setEncoding('utf8');
        res.on('data', (c: string) => (body += c));
        res.on('end', () => resolve({ hints, status: res.statusCode ?? 0, link: res.headers.link, body }));
      });
      req.on('information', (info) => hints.push(`${info.statusCode} ${String(info.headers.link)}`));
      req.on('error', reject);
      req.end();
    });
    expect(r.hints).toEqual(['103 </style.css>; rel=preload; as=style']);
    expect(r.status).toBe(200);
    expect(r.link).toBeUndefined();
    expect(r.body).toBe('after hints');
  });

  it('HEAD gets the upstream head and no body', async () => {
    const r = await send(s.port, '/head', { method: 'HEAD' });
    expect(r.status).toBe(200);
    expect(r.headers['x-method']).toBe('HEAD');
    expect(r.body.length).toBe(0);
  });

  it('a unix socket upstream answers', async () => {
    const r = await send(s.port, '/unix');
    expect(r.status).toBe(200);
    expect(r.text).toBe('over unix');
  });

  it('a backend that is gone: 502 on the fast path too, and the next request after it is back works', async () => {
    const b = await backend((_req, res) => res.end('up'));
    const dial = b.dial;
    const t = await site([{ handle: [proxy([dial])] }]);
    try {
      expect((await send(t.port, '/')).text).toBe('up');
      await b.close();
      expect((await send(t.port, '/')).status).toBe(502);
    } finally {
      await t.stop();
    }
  });
});
