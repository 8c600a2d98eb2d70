// request_body max_size in front of reverse_proxy: Caddy answers 413 at once,
// for a declared Content-Length over the limit (before dialing the upstream)
// and for a chunked body as soon as the limit is crossed (the upstream
// request aborted). tsweb used to pipe the failed body nowhere and answer
// 502 only after 3 s.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { send, site, type Site } from '../../support/client.js';
import { type Backend, backend } from './backends.js';

describe('request_body max_size in front of reverse_proxy', () => {
  let up: Backend, s: Site;
  const seen: Array<{ url: string; bytes: number; complete: boolean }> = [];
  let closed: Promise<void> = Promise.resolve();
  beforeAll(async () => {
    up = await backend((req, res) => {
      const rec = { url: req.url ?? '', bytes: 0, complete: false };
      seen.push(rec);
      closed = new Promise((r) => req.on('close', () => r()));
      req.on('data', (c: Buffer) => (rec.bytes += c.length));
      req.on('end', () => {
        rec.complete = true;
        res.end(`got ${rec.bytes}`);
      });
      req.on('error', () => {});
    });
    s = await site([
      {
        handle: [
          { handler: 'request_body', max_size: 16 },
          // max_fails 1: a 413 counted as an upstream failure would make the next request a 503.
          { handler: 'reverse_proxy', upstreams: [{ dial: up.dial }], health_checks: { passive: { max_fails: 1, fail_duration: 10_000_000_000 } }, load_balancing: { retries: 2 } },
        ],
      },
    ]);
  });
  afterAll(async () => {
    await s?.stop();
    await up?.close();
  });

  it('a declared Content-Length over the limit gets 413 before the upstream is dialed', async () => {
    seen.length = 0;
    const r = await send(s.port, '/declared', { method: 'POST', body: 'x'.repeat(100) });
    expect(r.status).toBe(413);
    expect(seen).toEqual([]);
  });

  it('a chunked body gets 413 as soon as it crosses the limit, and the upstream request is aborted', async () => {
    seen.length = 0;
    const t0 = Date.now();
    // 10 chunks of 8 bytes, 250 ms apart: the limit is crossed with the third, ~500 ms in.
    const r = await send(s.port, '/chunked', { method: 'POST', headers: { 'Transfer-Encoding': 'chunked' }, body: Array.from({ length: 10 }, () => 'y'.repeat(8)), gapMs: 250 });
    const ms = Date.now() - t0;
    expect(r.status).toBe(413);
    // Well before the whole upload (2.5 s), where tsweb used to answer 502 after 3 s.
    expect(ms).toBeLessThan(2000);
    expect(seen.length).toBe(1);
    await closed;
    expect(seen[0]!.complete).toBe(false);
    expect(seen[0]!.bytes).toBeLessThanOrEqual(16);
  });

  it('a chunked body that is over the limit before the upstream is even dialed gets 413 too', async () => {
    seen.length = 0;
    const t0 = Date.now();
    const r = await send(s.port, '/burst', { method: 'POST', headers: { 'Transfer-Encoding': 'chunked' }, body: ['q'.repeat(4000)] });
    expect(r.status).toBe(413);
    expect(Date.now() - t0).toBeLessThan(2000);
    expect(seen.every((x) => !x.complete)).toBe(true);
  });

  it('the 413 is not counted against the upstream, and a body within the limit passes whole', async () => {
    seen.length = 0;
    const r = await send(s.port, '/small', { method: 'POST', headers: { 'Transfer-Encoding': 'chunked' }, body: ['abcd', 'efgh', 'ijkl'], gapMs: 20 });
    expect(r.status).toBe(200);
    expect(r.text).toBe('got 12');
    expect(seen).toEqual([{ url: '/small', bytes: 12, complete: true }]);
  });
});
