// The cache in front of reverse_proxy, through the real engine, with a real
// origin that counts the requests reaching it.
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import WebSocket, { WebSocketServer } from 'ws';
import { adaptCaddyfile } from '../../../src/adapt/index.js';
import { Runtime } from '../../../src/runtime/runtime.js';
import { send, site, type Site } from '../../support/client.js';
import { freePort } from '../../support/net.js';
import { type Origin, origin, sleep, until } from './backend.js';

let o: Origin;
const sites: Site[] = [];

beforeAll(async () => {
  o = await origin();
});
afterAll(async () => {
  await o.close();
});
afterEach(async () => {
  while (sites.length > 0) await sites.pop()!.stop();
  o.seen.length = 0;
});

async function cached(opts: Record<string, unknown> = {}, dial = o.dial): Promise<number> {
  const s = await site([{ handle: [{ handler: 'cache', ...opts }, { handler: 'reverse_proxy', upstreams: [{ dial }] }] }]);
  sites.push(s);
  return s.port;
}

const status = (r: { headers: Record<string, unknown> }) => String(r.headers['cache-status']);

describe('hits and misses', () => {
  it('stores a miss, answers the next request from memory with Age and Cache-Status', async () => {
    o.handle = (_q, res) => {
      res.setHeader('Cache-Control', 'max-age=60');
      res.setHeader('Content-Type', 'text/plain');
      res.end('hello from origin');
    };
    const port = await cached({ x_cache_status: true });
    const a = await send(port, '/a?x=1');
    expect(a.text).toBe('hello from origin');
    expect(status(a)).toBe(`Souin; fwd=uri-miss; stored; key=GET-http-127.0.0.1:${port}-/a?x=1`);
    expect(a.headers['x-cache-status']).toBe('MISS');
    const b = await send(port, '/a?x=1');
    expect(b.status).toBe(200);
    expect(b.text).toBe('hello from origin');
    expect(b.headers['content-type']).toBe('text/plain');
    expect(b.headers['content-length']).toBe('17');
    expect(status(b)).toMatch(new RegExp(`^Souin; hit; ttl=(59|60); key=GET-http-127\\.0\\.0\\.1:${port}-/a\\?x=1$`));
    expect(b.headers['x-cache-status']).toBe('HIT');
    expect(Number(b.headers['age'])).toBeLessThanOrEqual(1);
    expect(o.count()).toBe(1);
    // Another query is another key.
    await send(port, '/a?x=2');
    expect(o.count()).toBe(2);
  });

  it('cache_name and key.hide shape Cache-Status; without Cache-Control the ttl applies', async () => {
    o.handle = (_q, res) => res.end('plain');
    const port = await cached({ cache_name: 'Edge', ttl: '30s', key: { hide: true } });
    expect(status(await send(port, '/n'))).toBe('Edge; fwd=uri-miss; stored');
    expect(status(await send(port, '/n'))).toMatch(/^Edge; hit; ttl=(29|30)$/);
    expect(o.count()).toBe(1);
  });

  it('expires at max-age and fetches again', async () => {
    let n = 0;
    o.handle = (_q, res) => {
      res.setHeader('Cache-Control', 'max-age=1');
      res.end(`v${++n}`);
    };
    const port = await cached();
    expect((await send(port, '/e')).text).toBe('v1');
    expect((await send(port, '/e')).text).toBe('v1');
    await sleep(1_300);
    const r = await send(port, '/e');
    expect(r.text).toBe('v2');
    // Without validators nothing is kept past its freshness: a plain miss.
    expect(status(r)).toContain('fwd=uri-miss; stored');
    expect(o.count()).toBe(2);
  });

  it('keeps one variant per Vary value', async () => {
    o.handle = (req, res) => {
      res.setHeader('Cache-Control', 'max-age=60');
      res.setHeader('Vary', 'Accept-Language');
      res.end(`lang=${req.headers['accept-language']}`);
    };
    const port = await cached();
    const en = { headers: { 'Accept-Language': 'en' } };
    const fr = { headers: { 'Accept-Language': 'fr' } };
    expect((await send(port, '/v', en)).text).toBe('lang=en');
    const second = await send(port, '/v', fr);
    expect(second.text).toBe('lang=fr');
    expect(status(second)).toContain('fwd=vary-miss');
    expect((await send(port, '/v', en)).text).toBe('lang=en');
    expect((await send(port, '/v', fr)).text).toBe('lang=fr');
    expect(o.count()).toBe(2);
  });

  it('HEAD and GET are stored apart; a HEAD hit keeps the Content-Length', async () => {
    o.handle = (req, res) => {
      res.setHeader('Cache-Control', 'max-age=60');
      res.setHeader('Content-Length', '10');
      res.end(req.method === 'HEAD' ? undefined : '0123456789');
    };
    const port = await cached();
    await send(port, '/h');
    const head = await send(port, '/h', { method: 'HEAD' });
    expect(head.headers['content-length']).toBe('10');
    const head2 = await send(port, '/h', { method: 'HEAD' });
    expect(status(head2)).toContain('hit');
    expect(head2.headers['content-length']).toBe('10');
    expect(head2.body.length).toBe(0);
    expect(o.count()).toBe(2);
  });

  it('does not store what is over max_cacheable_body_bytes, but streams all of it', async () => {
    o.handle = (_q, res) => {
      res.setHeader('Cache-Control', 'max-age=60');
      res.write('x'.repeat(3000));
      res.end('y'.repeat(3000));
    };
    const port = await cached({ max_cacheable_body_bytes: 1000 });
    const a = await send(port, '/big');
    expect(a.body.length).toBe(6000);
    const b = await send(port, '/big');
    expect(b.body.length).toBe(6000);
    expect(o.count()).toBe(2);
  });
});

describe('what is not stored', () => {
  it.each([
    ['no-store', { 'Cache-Control': 'no-store' }, {}, 'NO-STORE-DIRECTIVE'],
    ['private', { 'Cache-Control': 'private, max-age=60' }, {}, 'PRIVATE-OR-AUTHENTICATED-RESPONSE'],
    ['Authorization', { 'Cache-Control': 'max-age=60' }, { Authorization: 'Bearer a' }, 'PRIVATE-OR-AUTHENTICATED-RESPONSE'],
    ['a 500', {}, {}, 'UNCACHEABLE-STATUS-CODE'],
  ])('%s: every request reaches the origin', async (name, resHeaders, reqHeaders, detail) => {
    o.handle = (_q, res) => {
      if (name === 'a 500') res.statusCode = 500;
      for (const [k, v] of Object.entries(resHeaders)) res.setHeader(k, v);
      res.end('secret');
    };
    const port = await cached();
    const a = await send(port, '/p', { headers: reqHeaders });
    await send(port, '/p', { headers: reqHeaders });
    expect(status(a)).toBe(`Souin; fwd=uri-miss; key=GET-http-127.0.0.1:${port}-/p; detail=${detail}`);
    expect(o.count()).toBe(2);
  });

  it('Authorization responses marked public are shared', async () => {
    o.handle = (_q, res) => {
      res.setHeader('Cache-Control', 'public, max-age=60');
      res.end('shared');
    };
    const port = await cached();
    await send(port, '/pub', { headers: { Authorization: 'Bearer a' } });
    expect(status(await send(port, '/pub', { headers: { Authorization: 'Bearer b' } }))).toContain('hit');
    expect(o.count()).toBe(1);
  });

  it('default_cache_control applies to responses without Cache-Control', async () => {
    o.handle = (_q, res) => res.end('x');
    const port = await cached({ default_cache_control: 'no-store' });
    const a = await send(port, '/d');
    expect(a.headers['cache-control']).toBe('no-store');
    await send(port, '/d');
    expect(o.count()).toBe(2);
  });

  it('other methods pass by with fwd=bypass', async () => {
    o.handle = (_q, res) => res.end('opts');
    const port = await cached();
    const r = await send(port, '/o', { method: 'OPTIONS' });
    expect(status(r)).toBe('Souin; fwd=bypass; detail=UNSUPPORTED-METHOD');
  });
});

describe('request directives', () => {
  it('no-cache revalidates, only-if-cached answers 504 on a miss, max-age=0 refetches', async () => {
    let n = 0;
    o.handle = (_q, res) => {
      res.setHeader('Cache-Control', 'max-age=60');
      res.end(`v${++n}`);
    };
    const port = await cached();
    const miss = await send(port, '/r', { headers: { 'Cache-Control': 'only-if-cached' } });
    expect(miss.status).toBe(504);
    expect(o.count()).toBe(0);
    await send(port, '/r');
    expect((await send(port, '/r', { headers: { 'Cache-Control': 'only-if-cached' } })).text).toBe('v1');
    const nc = await send(port, '/r', { headers: { 'Cache-Control': 'no-cache' } });
    expect(nc.text).toBe('v2');
    expect(status(nc)).toContain('fwd=request');
    expect((await send(port, '/r', { headers: { 'Cache-Control': 'max-age=0' } })).text).toBe('v3');
    expect((await send(port, '/r')).text).toBe('v3');
    expect(o.count()).toBe(3);
  });
});

describe('validation', () => {
  it('revalidates a stale response with its ETag: the origin answers 304 and the stored body is served', async () => {
    o.handle = (req, res) => {
      res.setHeader('Cache-Control', 'max-age=0');
      res.setHeader('ETag', '"v1"');
      res.setHeader('X-Version', req.headers['if-none-match'] ? 'refreshed' : 'first');
      if (req.headers['if-none-match'] === '"v1"') {
        res.statusCode = 304;
        res.end();
        return;
      }
      res.end('the body');
    };
    const port = await cached({ x_cache_status: true });
    expect((await send(port, '/etag')).text).toBe('the body');
    const r = await send(port, '/etag');
    expect(r.status).toBe(200);
    expect(r.text).toBe('the body');
    expect(r.headers['x-version']).toBe('refreshed');
    expect(status(r)).toMatch(/fwd=stale; fwd-status=304; ttl=-?\d+; key=/);
    expect(r.headers['x-cache-status']).toBe('REVALIDATED');
    expect(o.count()).toBe(2);
    expect(o.seen[1]!.headers['if-none-match']).toBe('"v1"');
  });

  it('revalidates with Last-Modified when there is no ETag', async () => {
    const lm = new Date(Date.now() - 3_600_000).toUTCString();
    o.handle = (req, res) => {
      res.setHeader('Cache-Control', 'no-cache');
      res.setHeader('Last-Modified', lm);
      if (req.headers['if-modified-since'] === lm) {
        res.statusCode = 304;
        res.end();
        return;
      }
      res.end('dated');
    };
    const port = await cached();
    await send(port, '/lm');
    expect((await send(port, '/lm')).text).toBe('dated');
    expect(o.seen[1]!.headers['if-modified-since']).toBe(lm);
  });

  it('answers a client\'s matching If-None-Match with 304 from the cache', async () => {
    o.handle = (_q, res) => {
      res.setHeader('Cache-Control', 'max-age=60');
      res.setHeader('ETag', '"abc"');
      res.end('tagged');
    };
    const port = await cached();
    await send(port, '/inm');
    const r = await send(port, '/inm', { headers: { 'If-None-Match': 'W/"abc"' } });
    expect(r.status).toBe(304);
    expect(r.headers['etag']).toBe('"abc"');
    expect((await send(port, '/inm', { headers: { 'If-None-Match': '"other"' } })).status).toBe(200);
    expect(o.count()).toBe(1);
  });
});

describe('invalidation by unsafe methods (§4.4)', () => {
  it('a POST invalidates its URI and the Location it answers with', async () => {
    let n = 0;
    o.handle = (req, res) => {
      if (req.method === 'POST') {
        res.statusCode = 303;
        res.setHeader('Location', '/other');
        res.end();
        return;
      }
      res.setHeader('Cache-Control', 'max-age=60');
      res.end(`${req.url} v${++n}`);
    };
    const port = await cached();
    await send(port, '/item');
    await send(port, '/other');
    expect((await send(port, '/item')).text).toBe('/item v1');
    await send(port, '/item', { method: 'POST', body: 'x' });
    expect((await send(port, '/item')).text).toBe('/item v3');
    expect((await send(port, '/other')).text).toBe('/other v4');
  });

  it('a failed DELETE invalidates nothing', async () => {
    o.handle = (req, res) => {
      if (req.method === 'DELETE') res.statusCode = 500;
      else res.setHeader('Cache-Control', 'max-age=60');
      res.end('x');
    };
    const port = await cached();
    await send(port, '/keep');
    await send(port, '/keep', { method: 'DELETE' });
    expect(status(await send(port, '/keep'))).toContain('hit');
  });
});

describe('request coalescing', () => {
  it('20 concurrent misses on one key make one upstream request', async () => {
    o.handle = async (_q, res) => {
      await sleep(300);
      res.setHeader('Cache-Control', 'max-age=60');
      res.end('slow and shared');
    };
    const port = await cached();
    const all = await Promise.all(Array.from({ length: 20 }, () => send(port, '/slow')));
    expect(o.count('/slow')).toBe(1);
    expect(all.every((r) => r.status === 200 && r.text === 'slow and shared')).toBe(true);
    expect(all.filter((r) => status(r).includes('collapsed'))).toHaveLength(19);
  });

  it('waiters fetch for themselves when the response could not be shared', async () => {
    o.handle = async (_q, res) => {
      await sleep(200);
      res.setHeader('Cache-Control', 'private');
      res.end('mine');
    };
    const port = await cached();
    const all = await Promise.all(Array.from({ length: 5 }, () => send(port, '/priv')));
    expect(all.every((r) => r.text === 'mine')).toBe(true);
    expect(o.count('/priv')).toBe(5);
  });
});

describe('stale responses', () => {
  it('stale-if-error: serves the stale response while the origin is down, and on its 5xx', async () => {
    const down = await origin((_q, res) => {
      res.setHeader('Cache-Control', 'max-age=1');
      res.end('last good');
    });
    const port = await cached({ stale: '1h', x_cache_status: true }, down.dial);
    await send(port, '/s');
    await sleep(1_200);
    down.handle = (_q, res) => {
      res.statusCode = 503;
      res.end('broken');
    };
    const on5xx = await send(port, '/s');
    expect([on5xx.status, on5xx.text]).toEqual([200, 'last good']);
    expect(status(on5xx)).toMatch(/fwd=stale; fwd-status=503; ttl=-\d+; key=.*; detail=STALE-IF-ERROR$/);
    await down.close();
    const r = await send(port, '/s');
    expect([r.status, r.text]).toEqual([200, 'last good']);
    expect(status(r)).toMatch(/fwd=stale; fwd-status=502; ttl=-\d+; .*detail=STALE-IF-ERROR$/);
    expect(r.headers['x-cache-status']).toBe('STALE');
    // Never stored: a miss still fails.
    expect((await send(port, '/never')).status).toBe(502);
  });

  it('without a stale window the origin\'s failure reaches the client', async () => {
    const down = await origin((_q, res) => {
      res.setHeader('Cache-Control', 'max-age=1');
      res.end('gone soon');
    });
    const port = await cached({}, down.dial);
    await send(port, '/s');
    await sleep(1_200);
    await down.close();
    expect((await send(port, '/s')).status).toBe(502);
  });

  it('stale-while-revalidate: answers stale at once and refreshes in the background', async () => {
    let n = 0;
    o.handle = (_q, res) => {
      res.setHeader('Cache-Control', 'max-age=1, stale-while-revalidate=60');
      res.end(`v${++n}`);
    };
    const port = await cached();
    await send(port, '/swr');
    await sleep(1_200);
    const stale = await send(port, '/swr');
    expect(stale.text).toBe('v1');
    expect(status(stale)).toMatch(/hit; ttl=-\d+; key=.*; detail=STALE-WHILE-REVALIDATE$/);
    await until(() => o.count('/swr') === 2);
    let fresh = await send(port, '/swr');
    for (let i = 0; i < 50 && fresh.text !== 'v2'; i++) {
      await sleep(20);
      fresh = await send(port, '/swr');
    }
    expect(fresh.text).toBe('v2');
    expect(status(fresh)).toContain('; hit; ttl=');
    expect(o.count('/swr')).toBe(2);
  });
});

describe('memory budget', () => {
  it('evicts the least recently used responses to stay under memory_limit', async () => {
    o.handle = (req, res) => {
      res.setHeader('Cache-Control', 'max-age=60');
      res.end(req.url!.padEnd(3000, '.'));
    };
    const port = await cached({ memory_limit: 12_000 });
    for (const p of ['/1', '/2', '/3']) await send(port, p);
    expect(status(await send(port, '/1'))).toContain('hit');
    await send(port, '/4');
    // /2 was the least recently used.
    expect(status(await send(port, '/2'))).toContain('fwd=uri-miss');
    expect(status(await send(port, '/1'))).toContain('hit');
    expect(o.count()).toBe(5);
  });
});

describe('CDN-Cache-Control (RFC 9213)', () => {
  it('replaces Cache-Control for the cache, both ways', async () => {
    o.handle = (req, res) => {
      if (req.url === '/cdn-long') {
        res.setHeader('Cache-Control', 'no-store');
        res.setHeader('CDN-Cache-Control', 'max-age=60');
      } else {
        res.setHeader('Cache-Control', 'max-age=60');
        res.setHeader('CDN-Cache-Control', 'no-store');
      }
      res.end(req.url);
    };
    const port = await cached();
    await send(port, '/cdn-long');
    const hit = await send(port, '/cdn-long');
    expect(status(hit)).toContain('hit');
    // The client still gets the origin's Cache-Control for itself.
    expect(hit.headers['cache-control']).toBe('no-store');
    await send(port, '/cdn-none');
    await send(port, '/cdn-none');
    expect(o.count('/cdn-none')).toBe(2);
  });
});

describe('Vary normalization', () => {
  it('matches variants regardless of spaces around commas and the case of Accept-Language', async () => {
    o.handle = (_q, res) => {
      res.setHeader('Cache-Control', 'max-age=60');
      res.setHeader('Vary', 'Accept-Language');
      res.end('x');
    };
    const port = await cached();
    await send(port, '/vn', { headers: { 'Accept-Language': 'en-US, fr' } });
    expect(status(await send(port, '/vn', { headers: { 'Accept-Language': 'EN-us,fr' } }))).toContain('hit');
    expect(status(await send(port, '/vn', { headers: { 'Accept-Language': 'fr,en-US' } }))).toContain('vary-miss');
  });
});

describe('from a Caddyfile', () => {
  it('the global option and the directive together, through the engine', async () => {
    o.handle = (_q, res) => {
      res.setHeader('Cache-Control', 'max-age=60');
      res.end('from the Caddyfile');
    };
    const port = await freePort();
    const { config, warnings } = adaptCaddyfile(
      `{\n\tauto_https off\n\tcache {\n\t\tcache_name Global\n\t\tstale 1h\n\t}\n}\n\n:${port} {\n\tbind 127.0.0.1\n\tcache {\n\t\tx_cache_status\n\t}\n\treverse_proxy ${o.dial}\n}\n`,
      'Caddyfile',
    );
    expect(warnings).toEqual([]);
    const runtime = new Runtime({});
    await runtime.load(config);
    sites.push({ port, stop: () => runtime.stop() });
    const a = await send(port, '/cf');
    const b = await send(port, '/cf');
    expect([a.headers['x-cache-status'], b.headers['x-cache-status']]).toEqual(['MISS', 'HIT']);
    expect(status(b)).toMatch(/^Global; hit; ttl=\d+; key=GET-http-127\.0\.0\.1:\d+-\/cf$/);
    expect(b.text).toBe('from the Caddyfile');
    expect(o.count()).toBe(1);
  });
});

describe('across reloads', () => {
  it('a reload keeps what is stored under the same cache_name; stopping frees it', async () => {
    o.handle = (_q, res) => {
      res.setHeader('Cache-Control', 'max-age=60');
      res.end('kept');
    };
    const port = await freePort();
    const config = (extra: Record<string, unknown>) => ({
      apps: { http: { servers: { srv0: { listen: [`127.0.0.1:${port}`], routes: [{ handle: [{ handler: 'cache', cache_name: 'Reload', ...extra }, { handler: 'reverse_proxy', upstreams: [{ dial: o.dial }] }] }] } } } },
    });
    const runtime = new Runtime({});
    await runtime.load(config({}));
    await send(port, '/rl');
    await runtime.load(config({ x_cache_status: true }));
    const r = await send(port, '/rl');
    expect(r.headers['x-cache-status']).toBe('HIT');
    expect(o.count()).toBe(1);
    await runtime.stop();
    const again = new Runtime({});
    await again.load(config({}));
    sites.push({ port, stop: () => again.stop() });
    expect(status(await send(port, '/rl'))).toContain('fwd=uri-miss');
  });
});

describe('upgrades', () => {
  it('a WebSocket passes through the cache to reverse_proxy', async () => {
    const wss = new WebSocketServer({ host: '127.0.0.1', port: 0 });
    await new Promise<void>((r) => wss.once('listening', () => r()));
    wss.on('connection', (sock) => sock.on('message', (m) => sock.send(`echo ${String(m)}`)));
    try {
      const port = await cached({}, `127.0.0.1:${(wss.address() as { port: number }).port}`);
      const ws = new WebSocket(`ws://127.0.0.1:${port}/ws`);
      await new Promise<void>((resolve, reject) => {
        ws.once('open', () => resolve());
        ws.once('error', reject);
      });
      const reply = new Promise<string>((r) => ws.once('message', (m) => r(String(m))));
      ws.send('hi');
      expect(await reply).toBe('echo hi');
      ws.close();
    } finally {
      for (const c of wss.clients) c.terminate();
      await new Promise<void>((r) => wss.close(() => r()));
    }
  });
});
