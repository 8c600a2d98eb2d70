// Souin's admin API (cache-handler's /souin-api/souin) over the cache's
// stores, through the real Runtime and admin endpoint, with a real origin
// that counts the requests reaching it.
import { request } from 'node:http';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { send } from '../../support/client.js';
import { freePort } from '../../support/net.js';
import { type Admin, startAdmin } from '../../admin/support.js';
import { type Origin, origin } from './backend.js';

let o: Origin;
let a: Admin | undefined;

beforeAll(async () => {
  o = await origin((_q, res) => {
    res.setHeader('Cache-Control', 'max-age=600');
    res.end('from origin');
  });
});
afterAll(async () => {
  await o.close();
});
afterEach(async () => {
  await a?.close();
  a = undefined;
  o.seen.length = 0;
});

async function start(): Promise<number> {
  const port = await freePort();
  a = await startAdmin({
    admin: { listen: '127.0.0.1:0' },
    apps: { http: { servers: { s: { listen: [`127.0.0.1:${port}`], routes: [{ handle: [{ handler: 'cache' }, { handler: 'reverse_proxy', upstreams: [{ dial: o.dial }] }] }] } } } },
  });
  return port;
}

/** node:http, as curl would send it (fetch adds Sec-Fetch-Mode, which the admin API's origin check refuses). */
function api(path: string, method = 'GET'): Promise<{ status: number; json(): Promise<unknown> }> {
  return new Promise((resolve, reject) => {
    const req = request(`${a!.url()}/souin-api/souin${path}`, { method, agent: false }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (d: string) => (body += d));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, json: () => Promise.resolve(JSON.parse(body) as unknown) }));
    });
    req.on('error', reject);
    req.end();
  });
}
const status = (r: { headers: Record<string, unknown> }) => String(r.headers['cache-status']);

describe('PURGE /souin-api/souin/<regexp>', () => {
  it('purges one key: the next request is a miss that reaches the backend', async () => {
    const port = await start();
    const key = `GET-http-127.0.0.1:${port}-/a`;
    await send(port, '/a');
    await send(port, '/ab');
    expect(status(await send(port, '/a'))).toContain('hit');
    expect(o.count('/a')).toBe(1);

    // Anchored both ends: /ab (which the key is a prefix of) stays. Percent-encoded, as a URL carries a backslash.
    const r = await api(`/${encodeURIComponent(`^${key.replace(/\./g, '\\.')}$`)}`, 'PURGE');
    expect(r.status).toBe(200);
    expect(await r.json()).toEqual([key]);

    const again = await send(port, '/a');
    expect(status(again)).toContain('fwd=uri-miss');
    expect(again.text).toBe('from origin');
    expect(o.count('/a')).toBe(2);
    expect(status(await send(port, '/ab'))).toContain('hit');
    expect(o.count('/ab')).toBe(1);
  });

  it('purges every key under a prefix, and lists what is stored', async () => {
    const port = await start();
    for (const p of ['/blog/1', '/blog/2?x=1', '/blog/3', '/shop/1']) await send(port, p);
    const host = `GET-http-127.0.0.1:${port}`;
    const list = await api('');
    expect(list.status).toBe(200);
    expect(await list.json()).toEqual([`${host}-/blog/1`, `${host}-/blog/2?x=1`, `${host}-/blog/3`, `${host}-/shop/1`]);

    const r = await api(`/^${host}-/blog/`, 'PURGE');
    expect(await r.json()).toEqual([`${host}-/blog/1`, `${host}-/blog/2?x=1`, `${host}-/blog/3`]);
    expect(await (await api('')).json()).toEqual([`${host}-/shop/1`]);
    for (const p of ['/blog/1', '/blog/2?x=1', '/blog/3']) expect(status(await send(port, p))).toContain('fwd=uri-miss');
    expect(status(await send(port, '/shop/1'))).toContain('hit');
    expect(o.count()).toBe(7);
  });

  it('a key nobody stored purges nothing (2xx, as Souin) and a listing of it is 404', async () => {
    const port = await start();
    await send(port, '/kept');
    const r = await api('/^GET-http-nowhere-/$', 'PURGE');
    expect(r.status).toBe(200);
    expect(await r.json()).toEqual([]);
    const l = await api('/nowhere');
    expect(l.status).toBe(404);
    expect(await l.json()).toEqual([]);
    expect(status(await send(port, '/kept'))).toContain('hit');
  });

  it('flush drops everything; a bad regexp is a 400 with Go\'s words; other methods 405', async () => {
    const port = await start();
    await send(port, '/x');
    await send(port, '/y');
    const f = await api('/flush', 'PURGE');
    expect(f.status).toBe(200);
    expect(await f.json()).toHaveLength(2);
    expect(await (await api('')).json()).toEqual([]);
    expect(status(await send(port, '/x'))).toContain('fwd=uri-miss');

    const bad = await api('/a(b', 'PURGE');
    expect(bad.status).toBe(400);
    expect(await bad.json()).toEqual({ error: 'error parsing regexp: missing closing ): `a(b`' });
    expect((await api('/x', 'DELETE')).status).toBe(405);
    // Surrogate keys are not kept: said, not silently ignored.
    expect((await api('', 'PURGE')).status).toBe(400);
  });
});
