// Upstream addresses resolved at request time or off TCP: a unix socket
// (`unix//path`), and a dial address from a placeholder
// ({http.request.header.X-Backend}), end to end with real backends.
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { send, site, type Site } from '../../support/client.js';
import { type Backend, echoBackend } from './backends.js';

describe('unix-socket and placeholder upstreams', () => {
  let dir: string, sock: string, unixServer: Server, a: Backend, b: Backend, s: Site;
  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'tsweb-unix-'));
    sock = join(dir, 'backend.sock');
    unixServer = createServer((req, res) => res.end(JSON.stringify({ name: 'unix', url: req.url, host: req.headers.host })));
    await new Promise<void>((r) => unixServer.listen(sock, r));
    [a, b] = await Promise.all([echoBackend('a'), echoBackend('b')]);
    s = await site([
      { match: [{ path: ['/unix*'] }], handle: [{ handler: 'reverse_proxy', upstreams: [{ dial: `unix/${sock}` }] }] },
      { match: [{ path: ['/pick*'] }], handle: [{ handler: 'reverse_proxy', upstreams: [{ dial: '{http.request.header.X-Backend}' }] }] },
    ]);
  });
  afterAll(async () => {
    await s?.stop();
    await Promise.all([a?.close(), b?.close(), new Promise((r) => unixServer?.close(r))]);
    rmSync(dir, { recursive: true, force: true });
  });

  it('proxies to a unix socket, the client Host kept', async () => {
    const r = await send(s.port, '/unix/x?y=1', { headers: { Host: 'site.test' } });
    expect(r.status).toBe(200);
    expect(JSON.parse(r.text)).toEqual({ name: 'unix', url: '/unix/x?y=1', host: 'site.test' });
  });

  it('a dial address from a request header picks the backend per request (TCP or unix)', async () => {
    const name = async (backend: string) => (JSON.parse((await send(s.port, '/pick', { headers: { 'X-Backend': backend } })).text) as { name: string }).name;
    expect(await name(a.dial)).toBe('a');
    expect(await name(b.dial)).toBe('b');
    expect(await name(a.dial)).toBe('a');
    expect(await name(`unix/${sock}`)).toBe('unix');
  });

  it('a placeholder that leaves no usable address is a 502, not a crash', async () => {
    expect((await send(s.port, '/pick')).status).toBe(502);
    expect((await send(s.port, '/pick', { headers: { 'X-Backend': 'no-port-here' } })).status).toBe(502);
    // The handler still works afterwards.
    expect((await send(s.port, '/pick', { headers: { 'X-Backend': b.dial } })).status).toBe(200);
  });
});
