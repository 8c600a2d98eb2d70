// The selection policies added after the first nine: weighted_round_robin
// (canary and blue-green, weights changed by a reload), random_choose N and
// query <key> with its fallback; and fallbacks honoured by header/cookie.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { send } from '../../support/client.js';
import { freePort } from '../../support/net.js';
import { Runtime } from '../../../src/runtime/runtime.js';
import { type Backend, backend, echoBackend } from './backends.js';

const nameOf = (text: string) => (JSON.parse(text) as { name: string }).name;
const lb = (dials: string[], policy: Record<string, unknown>) => ({ handler: 'reverse_proxy', upstreams: dials.map((dial) => ({ dial })), load_balancing: { selection_policy: policy } });

function count(names: string[]): Record<string, number> {
  const out: Record<string, number> = {};
  for (const n of names) out[n] = (out[n] ?? 0) + 1;
  return out;
}

describe('selection policies: weighted_round_robin, random_choose, query', () => {
  let a: Backend, b: Backend, c: Backend, port: number;
  const runtime = new Runtime({});
  const config = (weights: number[]) => {
    const dials = [a.dial, b.dial];
    return {
      apps: {
        http: {
          servers: {
            srv0: {
              listen: [`127.0.0.1:${port}`],
              routes: [
                { match: [{ path: ['/wrr'] }], handle: [lb(dials, { policy: 'weighted_round_robin', weights })] },
                { match: [{ path: ['/rr'] }], handle: [lb(dials, { policy: 'round_robin' })] },
                { match: [{ path: ['/choose'] }], handle: [lb([a.dial, b.dial, c.dial], { policy: 'random_choose', choose: 2 })] },
                { match: [{ path: ['/query'] }], handle: [lb([a.dial, b.dial, c.dial], { policy: 'query', key: 'user', fallback: { policy: 'first' } })] },
                { match: [{ path: ['/header'] }], handle: [lb([a.dial, b.dial, c.dial], { policy: 'header', field: 'X-User', fallback: { policy: 'first' } })] },
              ],
            },
          },
        },
      },
    };
  };
  const names = async (path: string, n: number, headers: Record<string, string> = {}) => {
    const out: string[] = [];
    for (let i = 0; i < n; i++) out.push(nameOf((await send(port, path, { headers })).text));
    return out;
  };

  beforeAll(async () => {
    [a, b, c] = await Promise.all([echoBackend('a'), echoBackend('b'), echoBackend('c')]);
    port = await freePort();
  });
  afterAll(async () => {
    await runtime.stop();
    await Promise.all([a, b, c].map((x) => x?.close()));
  });

  it('weights 1 9 send one request in ten to the canary; a reload to 0 1 moves everything (blue-green)', async () => {
    await runtime.load(config([1, 9]));
    expect(count(await names('/wrr', 20))).toEqual({ a: 2, b: 18 });
    await runtime.load(config([0, 1]));
    expect(count(await names('/wrr', 10))).toEqual({ b: 10 });
    await runtime.load(config([1, 0]));
    expect(count(await names('/wrr', 10))).toEqual({ a: 10 });
    // Caddy's order within the cycle: slot 0 falls on every tenth request.
    await runtime.load(config([1, 9]));
    expect((await names('/wrr', 10)).indexOf('a')).toBe(9);
  });

  it('weights 2 1 interleave in a fixed 3-request cycle', async () => {
    await runtime.load(config([2, 1]));
    expect(count(await names('/wrr', 9))).toEqual({ a: 6, b: 3 });
  });

  it('random_choose 2 spreads requests and prefers an idle upstream over a busy one', async () => {
    await runtime.load(config([1, 1]));
    expect(new Set(await names('/choose', 30)).size).toBeGreaterThan(1);
  });

  it('query hashes the parameter to one upstream; without it the fallback decides', async () => {
    await runtime.load(config([1, 1]));
    for (const user of ['alice', 'bob', 'carol', 'dave']) expect(new Set(await names(`/query?user=${user}`, 4)).size).toBe(1);
    const spread = new Set<string>();
    for (let i = 0; i < 30; i++) spread.add((await names(`/query?user=u${i}`, 1))[0]!);
    expect(spread.size).toBeGreaterThan(1);
    // fallback first: always a.
    expect(count(await names('/query', 5))).toEqual({ a: 5 });
    expect(count(await names('/query?other=1', 5))).toEqual({ a: 5 });
  });

  it('header honours its fallback policy when the field is missing', async () => {
    await runtime.load(config([1, 1]));
    expect(count(await names('/header', 5))).toEqual({ a: 5 });
  });
});

describe('random_choose picks the less loaded of its sample', () => {
  it('with two upstreams and one of them busy, new requests go to the idle one', async () => {
    const release: Array<() => void> = [];
    const slow = await backend((_req, res) => {
      release.push(() => res.end(JSON.stringify({ name: 'slow' })));
    });
    const fast = await echoBackend('fast');
    const port = await freePort();
    const runtime = new Runtime({});
    try {
      await runtime.load({ apps: { http: { servers: { s: { listen: [`127.0.0.1:${port}`], routes: [{ handle: [lb([slow.dial, fast.dial], { policy: 'random_choose', choose: 2 })] }] } } } } });
      // Occupy the slow upstream: keep sending until one request hangs there.
      const pending: Array<Promise<unknown>> = [];
      while (release.length === 0) {
        const p = send(port, '/');
        pending.push(p);
        await Promise.race([p, new Promise((r) => setTimeout(r, 100))]);
      }
      const names: string[] = [];
      for (let i = 0; i < 10; i++) names.push(nameOf((await send(port, '/')).text));
      expect(count(names)).toEqual({ fast: 10 });
      for (const r of release) r();
      await Promise.all(pending);
    } finally {
      await runtime.stop();
      await Promise.all([slow.close(), fast.close()]);
    }
  });
});
