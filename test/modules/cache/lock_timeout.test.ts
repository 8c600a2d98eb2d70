// lock_timeout (nginx's proxy_cache_lock_timeout, a tsweb extension):
// concurrent misses wait for the first one's fetch that long at most, then
// fetch for themselves. The Caddyfile sub-option, its JSON, and the engine
// with a real origin slower than the timeout.
import { describe, expect, it, afterAll, beforeAll, afterEach } from 'vitest';
import { adaptCaddyfile } from '../../../src/adapt/index.js';
import { decodeCache } from '../../../src/modules/cache/config.js';
import { send, site, type Site } from '../../support/client.js';
import { type Origin, origin, sleep } from './backend.js';

let o: Origin;
const arrivals: number[] = [];
const sites: Site[] = [];
beforeAll(async () => {
  o = await origin();
});
afterAll(() => o.close());
afterEach(async () => {
  while (sites.length > 0) await sites.pop()!.stop();
  o.seen.length = 0;
  arrivals.length = 0;
});

type Handler = Record<string, unknown>;
function cacheHandlers(caddyfile: string): Handler[] {
  const { config } = adaptCaddyfile(caddyfile, 'Caddyfile');
  const out: Handler[] = [];
  const walk = (v: unknown): void => {
    if (Array.isArray(v)) v.forEach(walk);
    else if (v !== null && typeof v === 'object') {
      if ((v as Handler).handler === 'cache') out.push(v as Handler);
      Object.values(v).forEach(walk);
    }
  };
  walk(config);
  return out;
}

describe('lock_timeout in the Caddyfile and JSON', () => {
  it('the directive and the global option read it; the handler\'s default is 5s', () => {
    const [own] = cacheHandlers(':80 {\n\tcache {\n\t\tlock_timeout 750ms\n\t}\n}\n');
    expect(own!.lock_timeout).toBe(750e6);
    expect(decodeCache(own!).lockTimeoutMs).toBe(750);
    const [global] = cacheHandlers('{\n\tcache {\n\t\tlock_timeout 2s\n\t}\n}\n:80 {\n\tcache\n}\n');
    expect(global!.lock_timeout).toBe(2e9);
    expect(decodeCache({ handler: 'cache' }).lockTimeoutMs).toBe(5_000);
    expect(decodeCache({ handler: 'cache', lock_timeout: '0s' }).lockTimeoutMs).toBe(0);
    expect(() => decodeCache({ handler: 'cache', lock_timeout: -1e9 })).toThrow(/lock_timeout/);
    let err = '';
    try {
      adaptCaddyfile(':80 {\n\tcache {\n\t\tlock_timeout soon\n\t}\n}\n', 'Caddyfile');
    } catch (e) {
      err = (e as Error).message;
    }
    expect(err).toMatch(/parsing lock_timeout/);
    expect(err).toMatch(/Caddyfile:3/);
  });
});

describe('lock_timeout in the engine', () => {
  async function slowSite(lockTimeout: string): Promise<number> {
    o.handle = async (_q, res) => {
      arrivals.push(Date.now());
      await sleep(3_000);
      res.setHeader('Cache-Control', 'max-age=60');
      res.end('slow');
    };
    const s = await site([{ handle: [{ handler: 'cache', lock_timeout: lockTimeout }, { handler: 'reverse_proxy', upstreams: [{ dial: o.dial }] }] }]);
    sites.push(s);
    return s.port;
  }

  it('an origin slower than lock_timeout: the waiting misses fetch for themselves once it has passed', async () => {
    const port = await slowSite('300ms');
    const first = send(port, '/slow');
    await sleep(50);
    const t = Date.now();
    const rest = await Promise.all(Array.from({ length: 4 }, () => send(port, '/slow')));
    await first;
    expect(o.count('/slow')).toBe(5);
    expect(rest.every((r) => r.status === 200 && r.text === 'slow')).toBe(true);
    // They reached the origin after lock_timeout, long before the first fetch (3 s) was done.
    const later = arrivals.slice(1).map((at) => at - t);
    expect(Math.min(...later)).toBeGreaterThanOrEqual(250);
    expect(Math.max(...later)).toBeLessThan(2_500);
  });

  it('within lock_timeout they wait and share the one fetch', async () => {
    const port = await slowSite('10s');
    const all = await Promise.all(Array.from({ length: 5 }, () => send(port, '/slow')));
    expect(o.count('/slow')).toBe(1);
    expect(all.filter((r) => String(r.headers['cache-status']).includes('collapsed'))).toHaveLength(4);
  });
});
