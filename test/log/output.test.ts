// Where log lines go and how they look: files (rolled at a tiny size,
// backups named and pruned as lumberjack does), the console format, the
// filter encoder, levels and include/exclude, sampling, config refusals,
// and a reload switching files.
import { existsSync, mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { afterAll, describe, expect, it } from 'vitest';
import { Runtime } from '../../src/runtime/runtime.js';
import { get, type Served, serveConfig, until } from './harness.js';

const dir = mkdtempSync(join(tmpdir(), 'tsweb-logs-'));
const respond = (body: string, status?: number) => ({ handler: 'static_response', body, ...(status ? { status_code: status } : {}) });

/** One server with access logs going to log `log0`, configured by the test. */
function site(log0: Record<string, unknown>, extraLogs: Record<string, unknown> = {}, serverLogs: Record<string, unknown> = { default_logger_name: 'log0' }) {
  return (port: number) => ({
    logging: {
      logs: {
        default: { writer: { output: 'stderr' }, encoder: { format: 'json' }, exclude: ['http.log.access.log0'] },
        log0: { include: ['http.log.access.log0'], ...log0 },
        ...extraLogs,
      },
    },
    apps: {
      http: {
        servers: {
          srv0: {
            listen: [`127.0.0.1:${port}`],
            logs: serverLogs,
            routes: [
              { match: [{ path: ['/fail'] }], handle: [respond('down', 503)] },
              { handle: [respond('ok')] },
            ],
          },
        },
      },
    },
  });
}

const lines = (file: string) => (existsSync(file) ? readFileSync(file, 'utf8').split('\n').filter(Boolean) : []);

const servers: Served[] = [];
async function start(build: (port: number) => Record<string, unknown>): Promise<Served> {
  const s = await serveConfig(build);
  servers.push(s);
  return s;
}
afterAll(async () => {
  for (const s of servers) await s.stop();
});

describe('file writer', () => {
  it('appends JSON lines to the file, creating its directory', async () => {
    const file = join(dir, 'plain', 'sub', 'access.log');
    const s = await start(site({ writer: { output: 'file', filename: file }, encoder: { format: 'json' } }));
    await get(s.port, '/one');
    await get(s.port, '/two');
    await until(() => lines(file).length >= 2, 'two lines in the file');
    const got = lines(file).map((l) => JSON.parse(l));
    expect(got.map((e) => [e.logger, e.request.uri, e.status])).toEqual([
      ['http.log.access.log0', '/one', 200],
      ['http.log.access.log0', '/two', 200],
    ]);
    // Nothing of the access log reached the default log.
    expect(s.stderr.filter((l) => l.includes('handled request'))).toEqual([]);
  });

  it('rolls at roll_size: renames to <name>-<timestamp>.log, keeps roll_keep backups, never splits a line', async () => {
    const rollDir = join(dir, 'roll');
    const file = join(rollDir, 'access.log');
    // About 600 bytes per file: two or so lines each.
    const s = await start(site({ writer: { output: 'file', filename: file, roll_size_mb: 600 / (1024 * 1024), roll_keep: 3, roll_gzip: false }, encoder: { format: 'json' } }));
    for (let i = 0; i < 12; i++) await get(s.port, `/req-${i}`);
    await until(() => readdirSync(rollDir).length === 4, 'three backups and the current file');
    await new Promise((r) => setTimeout(r, 100)); // let pruning settle
    const names = readdirSync(rollDir).sort();
    expect(names).toHaveLength(4);
    const backups = names.filter((n) => n !== 'access.log');
    for (const b of backups) expect(b).toMatch(/^access-\d{4}-\d\d-\d\dT\d\d-\d\d-\d\d\.\d{3}\.log$/);
    let total = 0;
    const uris: string[] = [];
    for (const n of names) {
      const ls = lines(join(rollDir, n));
      total += ls.length;
      const size = readFileSync(join(rollDir, n)).length;
      expect(size).toBeLessThanOrEqual(600 + 600); // a roll happens before a line would cross the limit
      for (const l of ls) uris.push(JSON.parse(l).request.uri); // every line is whole JSON
    }
    // The newest lines survive (older backups were pruned), in order.
    expect(uris.sort((a, b) => Number(a.slice(5)) - Number(b.slice(5)))).toEqual(uris);
    expect(uris).toContain('/req-11');
    expect(total).toBeLessThan(12);
  });

  it('gzips rolled backups by default', async () => {
    const rollDir = join(dir, 'gz');
    const file = join(rollDir, 'site.log');
    const s = await start(site({ writer: { output: 'file', filename: file, roll_size_mb: 500 / (1024 * 1024) }, encoder: { format: 'json' } }));
    for (let i = 0; i < 4; i++) await get(s.port, `/gz-${i}`);
    await until(() => readdirSync(rollDir).some((n) => n.endsWith('.log.gz')), 'a gzipped backup');
    const gz = readdirSync(rollDir).filter((n) => n.endsWith('.gz'));
    await until(() => readdirSync(rollDir).filter((n) => /^site-.*\.log$/.test(n)).length === 0, 'uncompressed backups removed');
    const text = gunzipSync(readFileSync(join(rollDir, gz[0]!))).toString('utf8');
    expect(JSON.parse(text.split('\n')[0]!).request.uri).toMatch(/^\/gz-\d$/);
  });
});

describe('encoders', () => {
  it('console: time, level, logger, message, then the fields as JSON', async () => {
    const file = join(dir, 'console.log');
    const s = await start(site({ writer: { output: 'file', filename: file }, encoder: { format: 'console' } }));
    await get(s.port, '/c?x=1');
    await get(s.port, '/fail');
    await until(() => lines(file).length >= 2, 'two console lines');
    const [ok, fail] = lines(file);
    const cols = ok!.split('\t');
    expect(cols[0]).toMatch(/^\d{4}\/\d\d\/\d\d \d\d:\d\d:\d\d\.\d{3}$/);
    expect(cols.slice(1, 4)).toEqual(['INFO', 'http.log.access.log0', 'handled request']);
    expect(cols[4]).toMatch(/^\{"request": \{"remote_ip": "127\.0\.0\.1", "remote_port": "\d+", /);
    const fields = JSON.parse(cols[4]!);
    expect(fields).toMatchObject({ request: { uri: '/c?x=1' }, status: 200, size: 2 });
    expect(fail!.split('\t')[1]).toBe('ERROR');
  });

  it('filter: delete, replace, ip_mask, query, cookie, regexp, hash on nested fields', async () => {
    const file = join(dir, 'filter.log');
    const s = await start(
      site({
        writer: { output: 'file', filename: file },
        encoder: {
          format: 'filter',
          wrap: { format: 'json' },
          fields: {
            'request>remote_ip': { filter: 'ip_mask', ipv4_cidr: 16, ipv6_cidr: 32 },
            'request>headers>User-Agent': { filter: 'delete' },
            'request>headers>X-Secret': { filter: 'replace', value: 'hidden' },
            'request>headers>X-Hash': { filter: 'hash' },
            'request>uri': { filter: 'query', actions: [{ type: 'delete', parameter: 'token' }, { type: 'replace', parameter: 'user', value: 'someone' }, { type: 'hash', parameter: 'h' }] },
            'request>headers>Cookie': { filter: 'cookie', actions: [{ type: 'replace', name: 'sid', value: 'xxx' }, { type: 'delete', name: 'track' }] },
            'request>host': { filter: 'regexp', regexp: '\\d+', value: 'N' },
          },
        },
      }, {}, { default_logger_name: 'log0', should_log_credentials: true }),
    );
    await get(s.port, '/f?user=bob&token=t0p&h=abc&keep=1', { headers: { 'User-Agent': 'ua', 'X-Secret': 's3', 'X-Hash': 'abc', Cookie: 'sid=123; track=yes; theme=dark' } });
    await until(() => lines(file).length >= 1, 'a filtered line');
    const e = JSON.parse(lines(file)[0]!);
    expect(e.request.remote_ip).toBe('127.0.0.0');
    expect(e.request.headers['User-Agent']).toBeUndefined();
    expect(e.request.headers['X-Secret']).toEqual(['hidden']);
    // Caddy's hash: the first 4 bytes of SHA-256, hex.
    expect(e.request.headers['X-Hash']).toEqual(['ba7816bf']);
    expect(e.request.uri).toBe('/f?h=ba7816bf&keep=1&user=someone');
    expect(e.request.headers.Cookie).toEqual(['sid=xxx; theme=dark']);
    expect(e.request.host).toBe('localhost:N');
    // Unfiltered fields stay as they were.
    expect(e.request.client_ip).toBe('127.0.0.1');
  });

  it('append: extra fields on every line', async () => {
    const s = await start(site({ writer: { output: 'stdout' }, encoder: { format: 'append', wrap: { format: 'json' }, fields: { service: 'web', n: 3 } } }));
    await get(s.port, '/a');
    await until(() => s.stdout.length >= 1, 'a stdout line');
    expect(JSON.parse(s.stdout[0]!)).toMatchObject({ logger: 'http.log.access.log0', service: 'web', n: 3 });
  });

  it('json options: keys, time and level formats, duration as a string', async () => {
    const s = await start(site({ writer: { output: 'stdout' }, encoder: { format: 'json', message_key: 'message', time_key: 'time', level_key: 'severity', time_format: 'rfc3339', level_format: 'upper', duration_format: 'string' } }));
    await get(s.port, '/o');
    await until(() => s.stdout.length >= 1, 'a stdout line');
    const e = JSON.parse(s.stdout[0]!);
    expect(e).toMatchObject({ severity: 'INFO', message: 'handled request' });
    expect(e.time).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);
    expect(e.duration).toMatch(/^[\d.]+(ns|µs|ms|s)$/);
  });
});

describe('levels, include/exclude, sampling', () => {
  it('a log at level ERROR gets only the 5xx lines; include limits what a log takes', async () => {
    const s = await start(site({ writer: { output: 'stdout' }, encoder: { format: 'json' }, level: 'ERROR' }));
    await get(s.port, '/fine');
    await get(s.port, '/fail');
    await get(s.port, '/fine2');
    await until(() => s.stdout.length >= 1, 'the error line');
    await new Promise((r) => setTimeout(r, 50));
    expect(s.stdout.map((l) => JSON.parse(l)).map((e) => [e.level, e.request.uri])).toEqual([['error', '/fail']]);
    // The default log (exclude list) got the engine's own lines, no access lines.
    expect(s.json().some((e) => e.msg === 'server running')).toBe(true);
    expect(s.json().some((e) => e.msg === 'handled request')).toBe(false);
  });

  it('sampling: the first N per interval, then every Mth', async () => {
    const s = await start(site({ writer: { output: 'stdout' }, encoder: { format: 'json' }, sampling: { interval: '10s', first: 2, thereafter: 3 } }));
    for (let i = 1; i <= 8; i++) await get(s.port, `/s${i}`);
    await until(() => s.stdout.length >= 4, 'sampled lines');
    await new Promise((r) => setTimeout(r, 50));
    expect(s.stdout.map((l) => JSON.parse(l).request.uri)).toEqual(['/s1', '/s2', '/s5', '/s8']);
  });
});

describe('config errors and reloads', () => {
  const load = async (logging: unknown) => {
    const rt = new Runtime({ logStreams: { stderr: () => {}, stdout: () => {} } });
    try {
      await rt.load({ logging, apps: { http: { servers: {} } } });
      return 'loaded';
    } catch (err) {
      return (err as Error).message;
    } finally {
      await rt.stop();
    }
  };

  it('refuses what tsweb cannot do, saying which log and why', async () => {
    // A net writer runs (test/log/net_writer.test.ts); an address Caddy refuses is refused with the log's name.
    expect(await load({ logs: { remote: { writer: { output: 'net', address: 'tcp/localhost:9999-10000' } } } })).toMatch(/setting up custom log 'remote': multiple ports not supported/);
    expect(await load({ logs: { x: { encoder: { format: 'logfmt' } } } })).toMatch(/custom log 'x': encoder: unknown module: caddy.logging.encoders.logfmt/);
    expect(await load({ logs: { x: { level: 'LOUD' } } })).toMatch(/custom log 'x': level: unrecognized log level 'LOUD'/);
    expect(await load({ logs: { x: { writer: { output: 'file' } } } })).toMatch(/"filename" is required/);
    expect(await load({ logs: { x: { encoder: { format: 'filter', fields: { a: { filter: 'shout' } } } } } })).toMatch(/field a: unknown module/);
    expect(await load({ logs: { x: { writer: { output: 'discard' } } } })).toBe('loaded');
  });

  it('a reload switches to the new file and closes the old one after its requests', async () => {
    const a = join(dir, 'reload-a.log');
    const b = join(dir, 'reload-b.log');
    const s = await start(site({ writer: { output: 'file', filename: a }, encoder: { format: 'json' } }));
    await get(s.port, '/before');
    await until(() => lines(a).length >= 1, 'line in a');
    await s.runtime.load(site({ writer: { output: 'file', filename: b }, encoder: { format: 'json' } })(s.port));
    await get(s.port, '/after');
    await until(() => lines(b).length >= 1, 'line in b');
    expect(lines(a).map((l) => JSON.parse(l).request.uri)).toEqual(['/before']);
    expect(lines(b).map((l) => JSON.parse(l).request.uri)).toEqual(['/after']);
  });
});
