// The shared store across reloads (src/modules/cache/stores.ts): the same
// cache_name and memory_limit keep what is stored; another memory_limit is
// another block of the arena — the new config starts empty, nothing breaks,
// and going back to the first size finds it emptied, not half-reused.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Runtime } from '../../../src/runtime/runtime.js';
import { send } from '../../support/client.js';
import { freePort } from '../../support/net.js';
import { type Origin, origin } from './backend.js';

let o: Origin;
beforeAll(async () => {
  o = await origin((req, res) => {
    res.setHeader('Cache-Control', 'max-age=600');
    res.end(`v${o.count(req.url)} ${req.url}`);
  });
});
afterAll(() => o.close());

const status = (r: { headers: Record<string, unknown> }) => String(r.headers['cache-status']);

describe('memory_limit changed by a reload', () => {
  it('starts an empty store of the new size; the old one is emptied with the old config', async () => {
    const port = await freePort();
    const config = (memory_limit: number) => ({
      apps: { http: { servers: { s: { listen: [`127.0.0.1:${port}`], routes: [{ handle: [{ handler: 'cache', cache_name: 'Sized', memory_limit }, { handler: 'reverse_proxy', upstreams: [{ dial: o.dial }] }] }] } } } },
    });
    const runtime = new Runtime({});
    try {
      await runtime.load(config(1 << 20));
      await send(port, '/x');
      expect(status(await send(port, '/x'))).toContain('; hit;');
      // Same size: kept.
      await runtime.load({ ...config(1 << 20), admin: { disabled: true } });
      expect(status(await send(port, '/x'))).toContain('; hit;');
      await runtime.load(config(2 << 20));
      const afterGrow = await send(port, '/x');
      expect(status(afterGrow)).toContain('fwd=uri-miss; stored');
      expect(afterGrow.text).toBe('v2 /x');
      expect(status(await send(port, '/x'))).toContain('; hit;');
      // Back to 1 MiB: that block was emptied when the config using it went, never served stale.
      await runtime.load(config(1 << 20));
      const back = await send(port, '/x');
      expect(status(back)).toContain('fwd=uri-miss; stored');
      expect(back.text).toBe('v3 /x');
      expect(o.count('/x')).toBe(3);
    } finally {
      await runtime.stop();
    }
  });
});
