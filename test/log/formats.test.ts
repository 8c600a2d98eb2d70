// Encoder formats Caddy accepts beyond its named ones: time_format as any Go
// layout (UTC unless time_local), every duration_format name Caddy knows
// (unknown names are seconds), and a level_format zap has no encoder for
// (the level is left out of the line) — access log lines from a real server.
import { afterAll, describe, expect, it } from 'vitest';
import { get, type Served, serveConfig, until } from './harness.js';

function site(encoder: Record<string, unknown>) {
  return (port: number) => ({
    logging: {
      logs: {
        default: { writer: { output: 'stderr' }, encoder: { format: 'json' }, exclude: ['http.log.access.log0'] },
        log0: { include: ['http.log.access.log0'], writer: { output: 'stdout' }, encoder },
      },
    },
    apps: { http: { servers: { srv0: { listen: [`127.0.0.1:${port}`], logs: { default_logger_name: 'log0' }, routes: [{ handle: [{ handler: 'static_response', body: 'ok' }] }] } } } },
  });
}

const servers: Served[] = [];
afterAll(async () => {
  for (const s of servers) await s.stop();
});

/** The first access log line for one request through a server with this encoder. */
async function line(encoder: Record<string, unknown>): Promise<{ text: string; before: number; after: number }> {
  const s = await serveConfig(site(encoder));
  servers.push(s);
  const before = Date.now();
  await get(s.port, '/x');
  await until(() => s.stdout.length >= 1, 'an access line');
  return { text: s.stdout[0]!, before, after: Date.now() };
}

const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];

describe('time_format as a Go layout', () => {
  it('json: the common log layout written out, in UTC', async () => {
    const { text, before, after } = await line({ format: 'json', time_format: '02/Jan/2006:15:04:05 -0700' });
    const ts = JSON.parse(text).ts as string;
    const m = /^(\d\d)\/([A-Z][a-z]{2})\/(\d{4}):(\d\d):(\d\d):(\d\d) \+0000$/.exec(ts);
    expect(m, ts).not.toBeNull();
    const at = Date.UTC(Number(m![3]), MONTHS.indexOf(m![2]!), Number(m![1]), Number(m![4]), Number(m![5]), Number(m![6]));
    expect(at).toBeGreaterThanOrEqual(Math.floor(before / 1000) * 1000);
    expect(at).toBeLessThanOrEqual(after);
  });

  it('json: fractional seconds and the zone name', async () => {
    const { text } = await line({ format: 'json', time_format: '2006-01-02 15:04:05.000000 MST' });
    expect(JSON.parse(text).ts).toMatch(/^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d\.\d{6} UTC$/);
  });

  it('console: the layout is the first column', async () => {
    const { text } = await line({ format: 'console', time_format: 'Jan _2 15:04:05' });
    expect(text.split('\t')[0]).toMatch(/^[A-Z][a-z]{2} [ \d]\d \d\d:\d\d:\d\d$/);
    expect(text.split('\t')[1]).toBe('INFO');
  });
});

describe('duration_format and level_format', () => {
  it.each([
    ['millis', (d: unknown) => typeof d === 'number' && d < 10_000],
    ['nanos', (d: unknown) => Number.isInteger(d)],
    ['second', (d: unknown) => typeof d === 'number' && d < 10],
    ['fortnights', (d: unknown) => typeof d === 'number' && d < 10],
  ])('duration_format %s', async (df, ok) => {
    const { text } = await line({ format: 'json', duration_format: df });
    const d = JSON.parse(text).duration;
    expect(ok(d), String(d)).toBe(true);
  });

  it('a level_format zap has no encoder for leaves the level out', async () => {
    const { text } = await line({ format: 'json', level_format: 'title' });
    const e = JSON.parse(text);
    expect(e.level).toBeUndefined();
    expect(e).toMatchObject({ logger: 'http.log.access.log0', msg: 'handled request', status: 200 });
  });
});
