// `tsweb reverse-proxy` as users run it: the built CLI in front of node:http
// backends in this process, plain HTTP and HTTPS with the internal CA (its
// data dir in a temporary XDG_DATA_HOME), signals to stop it.
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer, request, type Server } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { ensureBuilt, freePort, killChildren, type ProcWithOut, startCliEnv, until } from './cli-harness.js';

let dir: string;
const backends: Server[] = [];

beforeAll(() => {
  ensureBuilt();
  dir = mkdtempSync(join(tmpdir(), 'tsweb-rp-'));
});
afterEach(killChildren);
afterAll(async () => {
  await Promise.all(backends.splice(0).map((s) => new Promise((r) => s.close(r))));
  rmSync(dir, { recursive: true, force: true });
});

/** A backend answering with its name and the request headers it saw, as JSON. */
async function backend(name: string): Promise<number> {
  const port = await freePort();
  const s = createServer((req, res) => {
    res.setHeader('content-type', 'application/json');
    res.end(JSON.stringify({ name, headers: req.headers, url: req.url }));
  });
  backends.push(s);
  await new Promise<void>((r) => s.listen(port, '127.0.0.1', r));
  return port;
}

interface Res {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: string;
}

function get(port: number, path: string, host: string, tls?: { ca: Buffer }): Promise<Res> {
  return new Promise((res, rej) => {
    const opts = { host: '127.0.0.1', port, path, headers: { host, connection: 'close' }, timeout: 5000, agent: false as const };
    const onRes = (r: import('node:http').IncomingMessage) => {
      let body = '';
      r.on('data', (c: Buffer) => (body += c.toString()));
      r.on('end', () => res({ status: r.statusCode!, headers: r.headers, body }));
    };
    const req = tls ? httpsRequest({ ...opts, servername: host, ca: tls.ca }, onRes) : request(opts, onRes);
    req.on('timeout', () => req.destroy(new Error('request timed out')));
    req.on('error', rej);
    req.end();
  });
}

/** `tsweb reverse-proxy ARGS` with its own data dir; resolves once it proxies. */
async function startProxy(args: string[]): Promise<ProcWithOut> {
  const p = startCliEnv(['reverse-proxy', ...args], dir, { XDG_DATA_HOME: join(dir, 'data') });
  await until(() => p.stderr().includes('tsweb proxying') || p.child.exitCode !== null, 'startup', 15_000);
  if (p.child.exitCode !== null) throw new Error(`reverse-proxy exited: ${p.stderr()}`);
  return p;
}

describe('tsweb reverse-proxy', () => {
  it('--from :PORT proxies plain HTTP, with header-up/down and --change-host-header', async () => {
    const b = await backend('one');
    const port = await freePort();
    const p = await startProxy(['--from', `:${port}`, '--to', `127.0.0.1:${b}`, '--header-up', 'x-up: yes', '--header-down', 'X-Down: there', '--change-host-header']);
    const r = await get(port, '/path?q=1', 'example.test');
    expect(r.status).toBe(200);
    expect(r.headers['x-down']).toBe('there');
    const seen = JSON.parse(r.body) as { name: string; headers: Record<string, string>; url: string };
    expect(seen.name).toBe('one');
    expect(seen.url).toBe('/path?q=1');
    expect(seen.headers['x-up']).toBe('yes');
    expect(seen.headers.host).toBe(`127.0.0.1:${b}`);
    p.child.kill('SIGINT');
    expect(await p.exited).toBe(0);
  });

  it('--from localhost:PORT serves HTTPS with a certificate from the internal CA', async () => {
    const b = await backend('tls');
    const port = await freePort();
    // Redirects would bind port 80; the redirect itself is tested in test/apps/tls/redirects.test.ts.
    const p = await startProxy(['--from', `localhost:${port}`, '--to', `127.0.0.1:${b}`, '--disable-redirects']);
    const ca = readFileSync(join(dir, 'data', 'tsweb', 'pki', 'authorities', 'local', 'root.crt'));
    const r = await get(port, '/', 'localhost', { ca });
    expect(r.status).toBe(200);
    const seen = JSON.parse(r.body) as { name: string; headers: Record<string, string> };
    expect(seen.name).toBe('tls');
    expect(seen.headers['x-forwarded-proto']).toBe('https');
    expect(p.stderr()).toContain('"from":"https://localhost:' + port + '"');
  });

  it('balances across several --to upstreams', async () => {
    const [a, b] = [await backend('a'), await backend('b')];
    const port = await freePort();
    const p = await startProxy(['--from', `:${port}`, '--to', `127.0.0.1:${a}`, '--to', `127.0.0.1:${b}`]);
    expect(p.stderr()).toContain('using default load balancing policy');
    const seen = new Set<string>();
    for (let i = 0; i < 40 && seen.size < 2; i++) seen.add((JSON.parse((await get(port, '/', 'x.test')).body) as { name: string }).name);
    expect([...seen].sort()).toEqual(['a', 'b']);
  });

  it('a public name gets its certificate over ACME (here from a CA on a dead loopback port: tried, logged, retried); --to is required', async () => {
    const b = await backend('pub');
    const port = await freePort();
    const ca = `https://127.0.0.1:${await freePort()}/directory`;
    const p = startCliEnv(['reverse-proxy', '--from', `example.com:${port}`, '--to', `127.0.0.1:${b}`, '--disable-redirects'], dir, { XDG_DATA_HOME: join(dir, 'data'), TSWEB_ACME_CA: ca, TSWEB_RETRY_SCALE: '0.001' });
    await until(() => /could not get certificate from issuer.*example\.com/.test(p.stderr()), 'an ACME attempt', 15_000);
    expect(p.stderr()).toMatch(/obtaining certificate.*example\.com/);
    expect(p.stderr()).not.toMatch(/does not implement/);
    const none = startCliEnv(['reverse-proxy', '--from', ':0'], dir, {});
    expect(await none.exited).toBe(1);
    expect(none.stderr()).toContain('--to is required');
  });
});
