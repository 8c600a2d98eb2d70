// The admin API over a real socket (127.0.0.1:0) with a real client (fetch),
// against Caddy's behaviour: status codes, {"error": ...} bodies, path rules,
// ETag / If-Match, all-or-nothing loads, Host and Origin checks.
import { existsSync, readFileSync } from 'node:fs';
import { request } from 'node:http';
import { createServer } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { registerUpstreamStatus } from '../../src/core/upstream_status.js';
import { freePort } from '../support/free_port.js';
import { type Admin, startAdmin } from './support.js';

const started: Admin[] = [];
afterEach(async () => {
  for (const a of started.splice(0)) await a.close();
});

const ADMIN = { listen: '127.0.0.1:0' };

async function up(config: Record<string, unknown> = {}): Promise<Admin> {
  const a = await startAdmin({ admin: ADMIN, ...config });
  started.push(a);
  return a;
}

function site(port: number, body: string): Record<string, unknown> {
  return { apps: { http: { servers: { s: { '@id': 'srv', listen: [`127.0.0.1:${port}`], routes: [{ handle: [{ handler: 'static_response', body }] }] } } } } };
}

const json = (body: unknown) => ({ method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify(body) });

interface Answer {
  status: number;
  headers: { get(name: string): string | null };
  text(): Promise<string>;
  json(): Promise<unknown>;
}

/**
 * A plain HTTP client (node:http), as curl or Caddy's CLI: fetch adds
 * `Sec-Fetch-Mode: cors`, which makes Caddy (and tsweb) require an Origin.
 */
function fetch(url: string, init: { method?: string; headers?: Record<string, string>; body?: string; redirect?: string } = {}): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const req = request(url, { method: init.method ?? 'GET', headers: init.headers }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (d: string) => (body += d));
      res.on('end', () =>
        resolve({
          status: res.statusCode ?? 0,
          headers: { get: (n) => (res.headers[n.toLowerCase()] as string | undefined) ?? null },
          text: async () => body,
          json: async () => JSON.parse(body),
        }),
      );
    });
    req.on('error', reject);
    req.end(init.body);
  });
}

async function raw(url: string, headers: Record<string, string>): Promise<{ status: number; body: string }> {
  const r = await fetch(url, { headers });
  return { status: r.status, body: await r.text() };
}

describe('admin API: /config/', () => {
  it('GETs subtrees with an ETag; mutations follow the path rules; If-Match guards them', async () => {
    const port = await freePort();
    const a = await up(site(port, 'one'));
    const u = a.url();
    let r = await fetch(`${u}/config/apps/http/servers/s/listen`);
    expect(r.status).toBe(200);
    expect(r.headers.get('content-type')).toBe('application/json');
    expect(await r.text()).toBe(`["127.0.0.1:${port}"]\n`);
    const etag = r.headers.get('etag')!;
    expect(etag).toMatch(/^"\/config\/apps\/http\/servers\/s\/listen [0-9a-f]{16}"$/);

    // PATCH with the right ETag changes the body served.
    r = await fetch(`${u}/config/apps/http/servers/s/routes/0/handle/0/body`, { method: 'PATCH', headers: { 'Content-Type': 'application/json' }, body: '"two"' });
    expect(r.status).toBe(200);
    expect(await (await fetch(`http://127.0.0.1:${port}/`)).text()).toBe('two');

    // A stale ETag: 412 with Caddy's message.
    const other = await fetch(`${u}/config/apps/http/servers/s/routes/0/handle/0/body`);
    const tag = other.headers.get('etag')!;
    await fetch(`${u}/config/apps/http/servers/s/routes/0/handle/0/body`, { method: 'PATCH', headers: { 'Content-Type': 'application/json' }, body: '"three"' });
    r = await fetch(`${u}/config/apps/http/servers/s/routes/0/handle/0/body`, { method: 'PATCH', headers: { 'Content-Type': 'application/json', 'If-Match': tag }, body: '"four"' });
    expect([r.status, await r.json()]).toEqual([412, { error: 'If-Match header did not match current config hash' }]);
    r = await fetch(`${u}/config/apps`, { method: 'PATCH', headers: { 'Content-Type': 'application/json', 'If-Match': 'nope' }, body: '{}' });
    expect([r.status, await r.json()]).toEqual([400, { error: 'malformed If-Match header; expect quoted string' }]);
    // The listen ETag is still current: If-Match passes.
    r = await fetch(`${u}/config/apps/http/servers/s/listen`, { method: 'POST', headers: { 'Content-Type': 'application/json', 'If-Match': etag }, body: JSON.stringify(`127.0.0.1:${await freePort()}`) });
    expect(r.status).toBe(200);
    expect(((await (await fetch(`${u}/config/apps/http/servers/s/listen`)).json()) as string[]).length).toBe(2);

    // PUT on an existing key: 409; PATCH/DELETE of a missing one: 404; wrong Content-Type: 400.
    r = await fetch(`${u}/config/apps/http`, { method: 'PUT', headers: { 'Content-Type': 'application/json' }, body: '{}' });
    expect([r.status, await r.json()]).toEqual([409, { error: '[/config/apps/http] key already exists: http' }]);
    r = await fetch(`${u}/config/apps/nope`, { method: 'DELETE' });
    expect([r.status, await r.json()]).toEqual([404, { error: '[/config/apps/nope] key does not exist: nope' }]);
    r = await fetch(`${u}/config/apps`, { method: 'POST', headers: { 'Content-Type': 'text/plain' }, body: '{}' });
    expect([r.status, await r.json()]).toEqual([400, { error: "unacceptable content-type: text/plain; 'application/json' required" }]);
    r = await fetch(`${u}/config/`, { method: 'HEAD' });
    expect(r.status).toBe(405);
    // Traversal errors are plain errors in Caddy: 500 for a change, 400 for a read.
    r = await fetch(`${u}/config/apps/http/servers/s/listen/9`, { method: 'PATCH', headers: { 'Content-Type': 'application/json' }, body: '"x"' });
    expect([r.status, await r.json()]).toEqual([500, { error: '[/config/apps/http/servers/s/listen/9] array index out of bounds: 9' }]);
    r = await fetch(`${u}/config/apps/http/servers/s/listen/9`);
    expect(r.status).toBe(400);
  });

  it('refuses a config that cannot load (500 via /config, 400 via /load) and keeps serving the old one', async () => {
    const port = await freePort();
    const a = await up(site(port, 'kept'));
    const u = a.url();
    let r = await fetch(`${u}/config/apps/http/servers/s/routes/0/handle/0`, { method: 'PATCH', headers: { 'Content-Type': 'application/json' }, body: '{"handler":"nope"}' });
    expect(r.status).toBe(500);
    expect(((await r.json()) as { error: string }).error).toMatch(/^loading new config: /);
    r = await fetch(`${u}/load`, json({ admin: ADMIN, apps: { http: { servers: { s: { listen: [`127.0.0.1:${port}`], routes: [{ handle: [{ handler: 'nope' }] }] } } } } }));
    expect(r.status).toBe(400);
    expect(((await r.json()) as { error: string }).error).toMatch(/^loading config: loading new config: .*nope/);
    expect(await (await fetch(`http://127.0.0.1:${port}/`)).text()).toBe('kept');
    expect(await (await fetch(`${u}/config/apps/http/servers/s/routes/0/handle/0/body`)).json()).toBe('kept');
  });

  it('resolves /id/<id> to the tagged object, subpaths included', async () => {
    const port = await freePort();
    const a = await up(site(port, 'x'));
    const u = a.url();
    expect(await (await fetch(`${u}/id/srv/listen/0`)).json()).toBe(`127.0.0.1:${port}`);
    const r = await fetch(`${u}/id/srv/routes/0/handle/0/body`, { method: 'PATCH', headers: { 'Content-Type': 'application/json' }, body: '"by id"' });
    expect(r.status).toBe(200);
    expect(await (await fetch(`http://127.0.0.1:${port}/`)).text()).toBe('by id');
    let e = await fetch(`${u}/id/nope`);
    expect([e.status, await e.json()]).toEqual([404, { error: "unknown object ID 'nope'" }]);
    e = await fetch(`${u}/id/`);
    expect([e.status, await e.json()]).toEqual([400, { error: 'request path is missing object ID' }]);
  });
});

describe('admin API: /load, /adapt and the rest', () => {
  it('loads JSON and text/caddyfile, autosaves, and an unchanged config is no reload unless forced', async () => {
    const a = await up();
    const u = a.url();
    const p1 = await freePort();
    let r = await fetch(`${u}/load`, { method: 'POST', headers: { 'Content-Type': 'text/caddyfile' }, body: `{\n\tadmin 127.0.0.1:0\n}\n:${p1} {\n\trespond "from caddyfile"\n}\n` });
    expect(r.status).toBe(200);
    // The admin address in the new config is 127.0.0.1:0 again: the same endpoint stays.
    expect(a.url()).toBe(u);
    expect(await (await fetch(`http://127.0.0.1:${p1}/`)).text()).toBe('from caddyfile');
    expect(JSON.parse(readFileSync(a.autosave, 'utf8'))).toMatchObject({ admin: { listen: '127.0.0.1:0' } });
    r = await fetch(`${u}/load`, { method: 'POST', headers: { 'Content-Type': 'text/yaml' }, body: 'x' });
    expect([r.status, await r.json()]).toEqual([400, { error: "unrecognized config adapter 'yaml'" }]);
    r = await fetch(`${u}/load`, { method: 'POST', headers: { 'Content-Type': 'text/caddyfile' }, body: ':1 {\n\tnope\n}\n' });
    expect(r.status).toBe(400);
    expect(((await r.json()) as { error: string }).error).toMatch(/^adapting config using caddyfile adapter: .*nope/s);
    r = await fetch(`${u}/load`, { method: 'GET' });
    expect([r.status, await r.json()]).toEqual([405, { error: 'method not allowed' }]);
  });

  it('adapts without loading, persist off skips the autosave', async () => {
    const a = await up({ admin: { ...ADMIN, config: { persist: false } } });
    expect(existsSync(a.autosave)).toBe(false);
    const r = await fetch(`${a.url()}/adapt`, { method: 'POST', headers: { 'Content-Type': 'text/caddyfile' }, body: ':8080 {\n\trespond "hi"\n}\n' });
    expect(r.status).toBe(200);
    const out = (await r.json()) as { result: { apps: { http: { servers: Record<string, { listen: string[] }> } } } };
    expect(out.result.apps.http.servers.srv0!.listen).toEqual([':8080']);
  });

  it('shows a loaded reverse_proxy\'s upstreams, with the failure its passive health counted', async () => {
    const port = await freePort();
    const dead = await freePort(); // nothing listens there: the dial fails
    const a = await up({
      apps: { http: { servers: { s: { listen: [`127.0.0.1:${port}`], routes: [{ handle: [{ handler: 'reverse_proxy', upstreams: [{ dial: `127.0.0.1:${dead}` }], health_checks: { passive: { fail_duration: '30s', max_fails: 1 } } }] }] } } } },
    });
    const before = (await (await fetch(`${a.url()}/reverse_proxy/upstreams`)).json()) as Array<Record<string, unknown>>;
    expect(before).toEqual([{ address: `127.0.0.1:${dead}`, num_requests: 0, fails: 0, healthy: true, handler: expect.stringMatching(/^reverse_proxy #\d+$/) }]);
    expect((await fetch(`http://127.0.0.1:${port}/`)).status).toBe(502);
    const after = (await (await fetch(`${a.url()}/reverse_proxy/upstreams`)).json()) as Array<Record<string, unknown>>;
    expect(after).toEqual([{ ...before[0], fails: 1, healthy: false }]);
  });

  it('reports upstreams per handler with health, 404s an unknown CA, 404s unknown paths', async () => {
    const a = await up();
    const undo = registerUpstreamStatus(() => [{ address: 'localhost:9', numRequests: 2, fails: 1, healthy: false }], 'api');
    try {
      const r = await fetch(`${a.url()}/reverse_proxy/upstreams`);
      expect(await r.json()).toEqual([{ address: 'localhost:9', num_requests: 2, fails: 1, healthy: false, handler: 'api' }]);
    } finally {
      undo();
    }
    expect(await (await fetch(`${a.url()}/reverse_proxy/upstreams`)).json()).toEqual([]);
    let r = await fetch(`${a.url()}/pki/ca/local`);
    expect([r.status, await r.json()]).toEqual([404, { error: 'no certificate authority configured with id: local' }]);
    r = await fetch(`${a.url()}/pki/nope`);
    expect([r.status, await r.json()]).toEqual([404, { error: 'resource not found: /pki/nope' }]);
    r = await fetch(`${a.url()}/nope`);
    expect([r.status, await r.text()]).toEqual([404, '404 page not found\n']);
    r = await fetch(`${a.url()}/config`, { redirect: 'manual' });
    expect([r.status, r.headers.get('location')]).toEqual([301, '/config/']);
  });

  it('POST /stop stops the apps', async () => {
    const port = await freePort();
    const a = await up(site(port, 'x'));
    expect((await fetch(`${a.url()}/stop`)).status).toBe(405);
    expect((await fetch(`${a.url()}/stop`, { method: 'POST' })).status).toBe(200);
    expect(a.stops).toBe(1);
    expect(a.runtime.running).toBe(false);
  });
});

describe('admin API: who may call it', () => {
  it('checks Host (DNS rebinding) and Origin as Caddy does: 403 otherwise', async () => {
    const a = await up();
    const u = a.url();
    const port = new URL(u).port;
    expect((await raw(`${u}/config/`, { Host: `localhost:${port}` })).status).toBe(200);
    expect(await raw(`${u}/config/`, { Host: 'evil.example:80' })).toEqual({ status: 403, body: '{"error":"host not allowed: evil.example:80"}\n' });
    let r = await fetch(`${u}/config/`, { headers: { Origin: 'http://evil.example' } });
    expect([r.status, await r.json()]).toEqual([403, { error: "client is not allowed to access from origin 'http://evil.example'" }]);
    r = await fetch(`${u}/config/`, { headers: { Origin: `http://127.0.0.1:${port}` } });
    expect([r.status, r.headers.get('access-control-allow-origin')]).toEqual([200, `http://127.0.0.1:${port}`]);
    r = await fetch(`${u}/config/`, { headers: { Origin: 'null' } });
    expect([r.status, await r.json()]).toEqual([400, { error: 'Buggy browser is sending null Origin header.' }]);
    // What a browser's fetch sends without an Origin: refused, as by Caddy.
    r = await fetch(`${u}/config/`, { headers: { 'Sec-Fetch-Mode': 'cors' } });
    expect([r.status, await r.json()]).toEqual([403, { error: "client is not allowed to access from origin ''" }]);
    r = await fetch(`${u}/config/`, { headers: { 'Sec-Fetch-Mode': 'no-cors' } });
    expect(r.status).toBe(400);
  });

  it('enforce_origin with origins: only those, Origin required', async () => {
    const a = await up({ admin: { ...ADMIN, enforce_origin: true, origins: ['http://app.example', 'ok.example'] } });
    const u = a.url();
    // origins replace the listen address, so the Host check needs one of them too.
    expect((await raw(`${u}/config/`, { Host: 'ok.example', Origin: 'https://ok.example' })).status).toBe(200);
    expect((await raw(`${u}/config/`, { Host: 'ok.example', Origin: 'https://app.example' })).status).toBe(403);
    expect((await raw(`${u}/config/`, { Host: 'ok.example' })).status).toBe(403);
  });

  it('moves with the config: a new address, `admin off`, and a bind failure refuses the config', async () => {
    const a = await up();
    const first = a.url();
    const free = await freePort();
    let r = await fetch(`${first}/load`, json({ admin: { listen: `127.0.0.1:${free}` } }));
    expect(r.status).toBe(200);
    expect(a.url()).toBe(`http://127.0.0.1:${free}`);
    await new Promise((res) => setTimeout(res, 50));
    await expect(fetch(`${first}/config/`)).rejects.toThrow();

    // A taken port: the load fails whole, the endpoint stays where it was.
    const blocker = createServer().listen(0, '127.0.0.1');
    await new Promise((res) => blocker.once('listening', res));
    const taken = (blocker.address() as { port: number }).port;
    try {
      r = await fetch(`${a.url()}/load`, json({ admin: { listen: `127.0.0.1:${taken}` } }));
      expect([r.status, await r.json()]).toEqual([400, { error: `loading config: loading new config: starting tsweb administration endpoint: listen tcp 127.0.0.1:${taken}: bind: address already in use` }]);
    } finally {
      blocker.close();
    }
    expect(a.url()).toBe(`http://127.0.0.1:${free}`);

    r = await fetch(`${a.url()}/load`, json({ admin: { disabled: true } }));
    expect(r.status).toBe(200);
    expect(a.admin.address()).toBe(null);
    await new Promise((res) => setTimeout(res, 50));
    await expect(fetch(`http://127.0.0.1:${free}/config/`)).rejects.toThrow();
  });

  it('refuses admin fields it does not know or cannot honour', async () => {
    await expect(startAdmin({ admin: { listen: '127.0.0.1:0', nope: 1 } })).rejects.toThrow('decoding config: admin: json: unknown field "nope"');
    await expect(startAdmin({ admin: { listen: '127.0.0.1:0-5' } })).rejects.toThrow('must be exactly one listener address; cannot listen on: 127.0.0.1:0-5');
    await expect(startAdmin({ admin: { remote: {} } })).rejects.toThrow('admin.remote: remote administration is not implemented in tsweb yet');
  });
});
