// request_buffers and response_buffers: a body within the limit travels with
// a Content-Length instead of chunked (and a buffered request body can be
// sent again on a retry); a longer one streams through whole and unchanged.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { send, site, type Site } from '../../support/client.js';
import { type Backend, backend } from './backends.js';

describe('request_buffers and response_buffers', () => {
  let seen: Backend, chunky: Backend, reset: Backend, s: Site;
  const got: Array<{ te?: string; cl?: string; body: string }> = [];
  beforeAll(async () => {
    seen = await backend((req, res) => {
      let body = '';
      req.setEncoding('latin1');
      req.on('data', (c: string) => (body += c));
      req.on('end', () => {
        got.push({ te: req.headers['transfer-encoding'], cl: req.headers['content-length'], body });
        res.end(`got ${body.length}`);
      });
    });
    // Answers chunked: two writes, no Content-Length; the size comes from the query.
    chunky = await backend((req, res) => {
      const n = Number(new URL(req.url ?? '/', 'http://x').searchParams.get('n') ?? '10');
      res.setHeader('Content-Type', 'text/plain');
      res.write('a'.repeat(Math.floor(n / 2)));
      setTimeout(() => res.end('b'.repeat(n - Math.floor(n / 2))), 20);
    });
    reset = await backend((req) => req.socket.destroy());
    const proxy = (dials: string[], extra: Record<string, unknown>) => ({ handler: 'reverse_proxy', upstreams: dials.map((dial) => ({ dial })), ...extra });
    s = await site([
      { match: [{ path: ['/req'] }], handle: [proxy([seen.dial], { request_buffers: 1024 })] },
      {
        match: [{ path: ['/retry'] }],
        handle: [proxy([seen.dial, reset.dial], { request_buffers: -1, load_balancing: { selection_policy: { policy: 'round_robin' }, retries: 1, retry_match: [{ method: ['POST'] }] } })],
      },
      { match: [{ path: ['/res'] }], handle: [proxy([chunky.dial], { response_buffers: 1024 })] },
      { match: [{ path: ['/plain'] }], handle: [proxy([chunky.dial], {})] },
    ]);
  });
  afterAll(async () => {
    await s?.stop();
    await Promise.all([seen, chunky, reset].map((b) => b?.close()));
  });

  it('a chunked upload within request_buffers reaches the upstream with a Content-Length', async () => {
    got.length = 0;
    const r = await send(s.port, '/req', { method: 'POST', headers: { 'Transfer-Encoding': 'chunked' }, body: ['x'.repeat(60), 'y'.repeat(40)], gapMs: 10 });
    expect(r.text).toBe('got 100');
    expect(got).toEqual([{ te: undefined, cl: '100', body: 'x'.repeat(60) + 'y'.repeat(40) }]);
  });

  it('a longer upload streams on chunked, whole and in order', async () => {
    got.length = 0;
    const parts = Array.from({ length: 5 }, (_, i) => String(i).repeat(1000));
    const r = await send(s.port, '/req', { method: 'POST', headers: { 'Transfer-Encoding': 'chunked' }, body: parts, gapMs: 10 });
    expect(r.text).toBe('got 5000');
    expect(got[0]!.te).toBe('chunked');
    expect(got[0]!.body).toBe(parts.join(''));
  });

  it('a buffered body is sent again whole when a POST is retried on the next upstream', async () => {
    got.length = 0;
    // round_robin starts at the second upstream: reset hangs up, then seen answers.
    const r = await send(s.port, '/retry', { method: 'POST', headers: { 'Transfer-Encoding': 'chunked' }, body: ['hello ', 'again'], gapMs: 10 });
    expect(r.status).toBe(200);
    expect(got).toEqual([{ te: undefined, cl: '11', body: 'hello again' }]);
  });

  it('a response within response_buffers reaches the client with a Content-Length; a longer one stays chunked', async () => {
    const small = await send(s.port, '/res?n=100');
    expect(small.headers['content-length']).toBe('100');
    expect(small.headers['transfer-encoding']).toBeUndefined();
    expect(small.text).toBe('a'.repeat(50) + 'b'.repeat(50));
    const big = await send(s.port, '/res?n=5000');
    expect(big.headers['transfer-encoding']).toBe('chunked');
    expect(big.text).toBe('a'.repeat(2500) + 'b'.repeat(2500));
    // Without the option the small one is chunked, as the upstream sent it.
    expect((await send(s.port, '/plain?n=100')).headers['transfer-encoding']).toBe('chunked');
  });
});
