/**
 * On-demand TLS's two time windows with their real values (each test waits
 * about 10 s, so they live apart from the quick ones): a denial is
 * remembered for 10 s, and at most 10 issuances happen in any 10 s.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Runtime } from '../../src/runtime/runtime.js';
import { storageFromConfig } from '../../src/tls/data_dir.js';
import { defaultOnDemandLimits } from '../../src/tls/on_demand.js';
import { CertificateAuthority } from '../../src/tls/pki/ca.js';
import { freePort } from '../support/free_port.js';
import { askServer, collectLogs, handshake, onDemandSite } from './on_demand_support.js';

let dir: string;
let env: NodeJS.ProcessEnv;
const rootCA = () => readFileSync(join(dir, 'data', 'tsweb', 'pki', 'authorities', 'local', 'root.crt'));

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'tsweb-ondemand-limits-'));
  env = { ...process.env, XDG_DATA_HOME: join(dir, 'data') };
  await CertificateAuthority.load(storageFromConfig(undefined, env), { id: 'local' });
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('on-demand TLS limits', () => {
  it('the numbers are certmagic\'s rate limit (10 per 10 s) and a 10 s memory of denials', () => {
    expect(defaultOnDemandLimits).toEqual({ events: 10, windowMs: 10_000, deniedMs: 10_000 });
  });

  it('a denied name is asked about again once its denial is 10 s old, and then allowed if the answer changed', async () => {
    let allow = false;
    const ask = await askServer(() => (allow ? 200 : 403));
    const port = await freePort();
    const r = new Runtime({ env });
    try {
      await r.load(onDemandSite({ port, httpPort: await freePort(), ask: ask.url }));
      const deniedAt = Date.now();
      await expect(handshake(port, 'later.example.test', rootCA())).rejects.toThrow();
      allow = true;
      await new Promise((res) => setTimeout(res, 5000));
      // Still inside the window: refused without asking.
      await expect(handshake(port, 'later.example.test', rootCA())).rejects.toThrow();
      expect(ask.asks).toHaveLength(1);
      await new Promise((res) => setTimeout(res, Math.max(0, deniedAt + 10_500 - Date.now())));
      expect((await handshake(port, 'later.example.test', rootCA())).cert.subjectaltname).toBe('DNS:later.example.test');
      expect(ask.asks).toHaveLength(2);
    } finally {
      await r.stop();
      await ask.close();
    }
  }, 30_000);

  it('11 new names at once: 10 are issued now, the 11th waits for the window', async () => {
    const ask = await askServer();
    const logs = collectLogs();
    const port = await freePort();
    const r = new Runtime({ env, log: logs.log });
    try {
      await r.load(onDemandSite({ port, httpPort: await freePort(), ask: ask.url }));
      const start = Date.now();
      const names = Array.from({ length: 11 }, (_, i) => `n${i}.example.test`);
      const done = await Promise.all(names.map(async (n) => ({ n, cert: (await handshake(port, n, rootCA(), 40_000)).cert, at: Date.now() - start })));
      for (const d of done) expect(d.cert.subjectaltname).toBe(`DNS:${d.n}`);
      const waited = logs.lines.filter((l) => l.msg === 'waiting on internal rate limiter');
      expect(waited).toHaveLength(1);
      const late = done.find((d) => d.n === (waited[0]!.fields.identifiers as string[])[0])!;
      // Timers may fire a little early; the window is 10 s from the first issuance, which came after `start`.
      expect(late.at).toBeGreaterThanOrEqual(9_500);
      expect(done.filter((d) => d.at < 9_000)).toHaveLength(10);
      expect(logs.count('done waiting on internal rate limiter')).toBe(1);
      expect(logs.count('certificate obtained successfully')).toBe(11);
    } finally {
      await r.stop();
      await ask.close();
    }
  }, 60_000);
});
