// Active health checks in the executable with `workers 2`: the probes run
// once per server (one worker sends them, not each), and the verdict is the
// same in every worker: once the probes find an upstream down, no worker
// sends it a request; once they find it up, both do again.
import { createServer, request } from 'node:http';
import type { AddressInfo } from 'node:net';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { ensureBuilt, freePort, killChildren, startCliEnv, until } from './cli-harness.js';

beforeAll(() => ensureBuilt());
afterEach(() => killChildren());

function get(port: number): Promise<{ body: string; worker: string }> {
  return new Promise((res, rej) => {
    const req = request({ host: '127.0.0.1', port, path: '/', agent: false, headers: { connection: 'close' } }, (r) => {
      let b = '';
      r.setEncoding('utf8');
      r.on('data', (d: string) => (b += d));
      r.on('end', () => res({ body: b, worker: String(r.headers['x-worker']) }));
    });
    req.on('error', rej);
    req.end();
  });
}

async function backend(name: string) {
  const state = { status: 200, probes: [] as number[] };
  const server = createServer((req, res) => {
    if (req.url === '/health') {
      state.probes.push(Date.now());
      res.statusCode = state.status;
      res.end();
      return;
    }
    res.end(name);
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return { state, server, dial: `127.0.0.1:${(server.address() as AddressInfo).port}` };
}

describe('active health checks with workers 2', () => {
  it('probe once per server, and every worker follows the verdict', async () => {
    const a = await backend('a');
    const b = await backend('b');
    try {
      const port = await freePort();
      const dir = mkdtempSync(join(tmpdir(), 'tsweb-health-workers-'));
      writeFileSync(
        join(dir, 'Caddyfile'),
        `{\n\tadmin off\n\tworkers 2\n}\n\n:${port} {\n\theader X-Worker {env.TSWEB_WORKER}\n\treverse_proxy ${a.dial} ${b.dial} {\n\t\tlb_policy round_robin\n\t\thealth_uri /health\n\t\thealth_interval 200ms\n\t}\n}\n`,
      );
      const p = startCliEnv(['run', '--config', 'Caddyfile'], dir, {});
      await until(() => p.stderr().includes('serving initial configuration'), 'startup', 20000);

      // One probe per interval per upstream: over 2 s about 10, not twice that.
      await until(() => a.state.probes.length >= 1, 'the first probe', 10000);
      const from = Date.now();
      await new Promise((r) => setTimeout(r, 2000));
      const probes = a.state.probes.filter((t) => t >= from).length;
      expect(probes).toBeGreaterThanOrEqual(4);
      expect(probes).toBeLessThanOrEqual(14);

      // Down: after a few intervals no worker sends it anything.
      a.state.status = 503;
      await new Promise((r) => setTimeout(r, 1000));
      const seen = new Map<string, Set<string>>();
      for (let i = 0; i < 40; i++) {
        const r = await get(port);
        if (!seen.has(r.worker)) seen.set(r.worker, new Set());
        seen.get(r.worker)!.add(r.body);
      }
      expect([...seen.keys()].sort()).toEqual(['1', '2']);
      for (const bodies of seen.values()) expect([...bodies]).toEqual(['b']);

      // Up again: both workers use it.
      a.state.status = 200;
      await until(() => p.stderr().includes('"msg":"host is up"'), 'host is up', 10000);
      const bodies = new Map<string, Set<string>>();
      const done = () => bodies.size === 2 && [...bodies.values()].every((s) => s.has('a'));
      for (let i = 0; i < 300 && !done(); i++) {
        const r = await get(port);
        if (!bodies.has(r.worker)) bodies.set(r.worker, new Set());
        bodies.get(r.worker)!.add(r.body);
      }
      expect(done()).toBe(true);
      // The line is written once, by the one worker that probes.
      expect(p.stderr().split('\n').filter((l) => l.includes('"msg":"host is up"'))).toHaveLength(1);
      expect(p.stderr()).toContain('"logger":"http.handlers.reverse_proxy.health_checker.active"');

      p.child.kill('SIGTERM');
      expect(await p.exited).toBe(0);
    } finally {
      a.server.close();
      b.server.close();
    }
  }, 60000);
});
