// Purging by surrogate key (Souin's `PURGE /souin-api/souin` with a
// Surrogate-Key request header): every stored response whose own
// Surrogate-Key header names one of the tags goes; the rest stays. Real
// Runtime, real admin endpoint, a real origin counting what reaches it.
import { request } from 'node:http';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { send } from '../../support/client.js';
import { freePort } from '../../support/net.js';
import { type Admin, startAdmin } from '../../admin/support.js';
import { type Origin, origin } from './backend.js';

const TAGS: Record<string, string> = { '/post/1': 'blog, post-1', '/post/2': 'blog post-2', '/shop': 'shop', '/plain': '' };

let o: Origin;
let a: Admin | undefined;

beforeAll(async () => {
  o = await origin((req, res) => {
    res.setHeader('Cache-Control', 'max-age=600');
    const tags = TAGS[req.url ?? ''];
    if (tags) res.setHeader('Surrogate-Key', tags);
    res.end(`origin ${req.url}`);
  });
});
afterAll(() => o.close());
afterEach(async () => {
  await a?.close();
  a = undefined;
  o.seen.length = 0;
});

function purge(headers: Record<string, string>): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = request(`${a!.url()}/souin-api/souin`, { method: 'PURGE', agent: false, headers }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (d: string) => (body += d));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
    });
    req.on('error', reject);
    req.end();
  });
}

const status = (r: { headers: Record<string, unknown> }) => String(r.headers['cache-status']);

describe('PURGE /souin-api/souin with Surrogate-Key', () => {
  it('drops the responses tagged with any of the tags, and only those', async () => {
    const port = await freePort();
    a = await startAdmin({
      admin: { listen: '127.0.0.1:0' },
      apps: { http: { servers: { s: { listen: [`127.0.0.1:${port}`], routes: [{ handle: [{ handler: 'cache' }, { handler: 'reverse_proxy', upstreams: [{ dial: o.dial }] }] }] } } } },
    });
    const paths = Object.keys(TAGS);
    for (const p of paths) await send(port, p);
    for (const p of paths) expect(status(await send(port, p))).toContain('; hit;');
    // The client sees the origin's Surrogate-Key as it was sent.
    expect((await send(port, '/post/1')).headers['surrogate-key']).toBe('blog, post-1');

    const key = (p: string) => `GET-http-127.0.0.1:${port}-${p}`;
    const r = await purge({ 'Surrogate-Key': 'post-2, shop' });
    expect(r.status).toBe(200);
    expect(JSON.parse(r.body)).toEqual([key('/post/2'), key('/shop')]);
    expect(status(await send(port, '/post/2'))).toContain('fwd=uri-miss');
    expect(status(await send(port, '/shop'))).toContain('fwd=uri-miss');
    expect(status(await send(port, '/post/1'))).toContain('; hit;');
    expect(status(await send(port, '/plain'))).toContain('; hit;');

    // One tag shared by two responses: both go.
    expect(JSON.parse((await purge({ 'Surrogate-Key': 'blog' })).body)).toEqual([key('/post/1'), key('/post/2')]);
    expect(status(await send(port, '/post/1'))).toContain('fwd=uri-miss');
    expect(JSON.parse((await purge({ 'Surrogate-Key': 'nobody' })).body)).toEqual([]);
    expect(o.count()).toBe(4 + 3);

    // Without the header there is nothing to purge by: said, not a silent no-op.
    const bad = await purge({});
    expect(bad.status).toBe(400);
    expect(JSON.parse(bad.body).error).toContain('Surrogate-Key');
  });
});
