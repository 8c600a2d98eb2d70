// reverse_proxy through the engine with real backends: how requests are spread
// over upstreams, what the backend sees (hop-by-hop headers gone, X-Forwarded-*
// set and only trusted when the peer is, Host unchanged, header_up, rewrite)
// and what the client gets back (hop-by-hop gone, header_down, placeholders).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { send, site, type Site } from '../../support/client.js';
import { rawExchange } from '../../support/net.js';
import { type Backend, backend, echoBackend } from './backends.js';

const proxy = (dials: string[], extra: Record<string, unknown> = {}) => ({ handler: 'reverse_proxy', upstreams: dials.map((dial) => ({ dial })), ...extra });
const json = (text: string) => JSON.parse(text) as { name: string; method: string; url: string; headers: Record<string, string>; bodyLength: number };

describe('upstream selection', () => {
  let a: Backend, b: Backend, c: Backend, s: Site;
  beforeAll(async () => {
    [a, b, c] = await Promise.all([echoBackend('a'), echoBackend('b'), echoBackend('c')]);
    const lb = (policy: Record<string, unknown>) => ({ load_balancing: { selection_policy: policy } });
    const dials = [a.dial, b.dial, c.dial];
    s = await site([
      { match: [{ path: ['/rr'] }], handle: [proxy(dials, lb({ policy: 'round_robin' }))] },
      { match: [{ path: ['/first'] }], handle: [proxy(dials, lb({ policy: 'first' }))] },
      { match: [{ path: ['/random'] }], handle: [proxy(dials)] },
      { match: [{ path: ['/header'] }], handle: [proxy(dials, lb({ policy: 'header', field: 'X-User' }))] },
      { match: [{ path: ['/uri*'] }], handle: [proxy(dials, lb({ policy: 'uri_hash' }))] },
      { match: [{ path: ['/ip'] }], handle: [proxy(dials, lb({ policy: 'ip_hash' }))] },
      { match: [{ path: ['/cookie'] }], handle: [proxy(dials, lb({ policy: 'cookie', name: 'sticky', secret: 's3' }))] },
      { match: [{ path: ['/least'] }], handle: [proxy(dials, lb({ policy: 'least_conn' }))] },
    ]);
  });
  afterAll(async () => {
    await s?.stop();
    await Promise.all([a, b, c].map((x) => x?.close()));
  });

  const names = async (path: string, n: number, headers: Record<string, string> = {}) => {
    const out: string[] = [];
    for (let i = 0; i < n; i++) out.push(json((await send(s.port, path, { headers })).text).name);
    return out;
  };

  it('round_robin cycles through every upstream in order (starting at the second, as Caddy)', async () => {
    expect(await names('/rr', 6)).toEqual(['b', 'c', 'a', 'b', 'c', 'a']);
  });
  it('first always picks the first available upstream', async () => {
    expect(new Set(await names('/first', 5))).toEqual(new Set(['a']));
  });
  it('random (the default) reaches more than one upstream', async () => {
    expect(new Set(await names('/random', 30)).size).toBeGreaterThan(1);
  });
  it('header, uri_hash and ip_hash keep the same key on the same upstream', async () => {
    for (const user of ['alice', 'bob', 'carol']) expect(new Set(await names('/header', 4, { 'X-User': user })).size).toBe(1);
    for (const p of ['/uri/1', '/uri/2', '/uri/3']) expect(new Set(await names(p, 3)).size).toBe(1);
    expect(new Set(await names('/ip', 4)).size).toBe(1);
    // Different keys spread over the upstreams.
    const spread = new Set<string>();
    for (let i = 0; i < 30; i++) spread.add((await names('/header', 1, { 'X-User': `user${i}` }))[0]!);
    expect(spread.size).toBeGreaterThan(1);
  });
  it('cookie pins the client: the first answer sets it, later requests with it stay put', async () => {
    const first = await send(s.port, '/cookie');
    const set = String(first.headers['set-cookie']);
    expect(set).toMatch(/^sticky=[0-9a-f]{64}; Path=\/$/);
    const cookie = set.split(';')[0]!;
    const name = json(first.text).name;
    expect(await names('/cookie', 5, { Cookie: cookie })).toEqual([name, name, name, name, name]);
    const again = await send(s.port, '/cookie', { headers: { Cookie: cookie } });
    expect(again.headers['set-cookie']).toBeUndefined();
  });
  it('least_conn answers from some upstream', async () => {
    expect(['a', 'b', 'c']).toContain((await names('/least', 1))[0]);
  });
});

describe('what the backend sees and what the client gets', () => {
  let up: Backend, hop: Backend, s: Site, trustedSite: Site;
  beforeAll(async () => {
    up = await echoBackend('up');
    hop = await backend((_req, res) => {
      res.setHeader('Connection', 'X-Hop-Field');
      res.setHeader('X-Hop-Field', 'must go');
      res.setHeader('Keep-Alive', 'timeout=5');
      res.setHeader('Proxy-Authenticate', 'Basic');
      res.setHeader('X-Kept', 'yes');
      res.setHeader('Server', 'backend');
      res.end('hop');
    });
    const routes = [
      { match: [{ path: ['/hop'] }], handle: [proxy([hop.dial])] },
      {
        match: [{ path: ['/ops'] }],
        handle: [
          proxy([hop.dial], {
            headers: {
              request: { set: { 'X-Up': ['{http.request.uri.path}'] } },
              response: { delete: ['X-Kept'], set: { 'X-Status': ['{http.reverse_proxy.status_code}'], 'X-Upstream': ['{http.reverse_proxy.upstream.hostport}'], 'X-Address': ['{http.reverse_proxy.upstream.address}'], 'X-Backend-Server': ['{http.reverse_proxy.header.Server}'] } },
            },
          }),
        ],
      },
      { match: [{ path: ['/rewrite'] }], handle: [proxy([up.dial], { rewrite: { method: 'POST', uri: '/elsewhere?x=1' } })] },
      { handle: [proxy([up.dial])] },
    ];
    s = await site(routes);
    trustedSite = await site(routes, { trusted_proxies: { source: 'static', ranges: ['127.0.0.0/8'] } });
  });
  afterAll(async () => {
    await s?.stop();
    await trustedSite?.stop();
    await up?.close();
    await hop?.close();
  });

  it('passes method, path with query and Host through unchanged', async () => {
    const r = json((await send(s.port, '/a/b%2Fc?q=1&r', { method: 'DELETE', headers: { Host: 'app.example:8443' } })).text);
    expect(r).toMatchObject({ method: 'DELETE', url: '/a/b%2Fc?q=1&r' });
    expect(r.headers.host).toBe('app.example:8443');
  });
  it('an HTTP/1.0 request without Host reaches the backend with the upstream address as Host', async () => {
    const r = await rawExchange(s.port, 'GET /old HTTP/1.0\r\n\r\n');
    const body = r.text.slice(r.text.indexOf('\r\n\r\n') + 4);
    expect(json(body).headers.host).toBe(up.dial);
  });
  it('removes hop-by-hop request headers, including those named by Connection', async () => {
    const r = json((await send(s.port, '/x', { headers: { Connection: 'keep-alive, X-Private', 'X-Private': 'secret', 'Keep-Alive': 'timeout=9', TE: 'gzip', 'Proxy-Authorization': 'Basic abc', 'X-Normal': 'ok' } })).text);
    expect(r.headers['x-private']).toBeUndefined();
    expect(r.headers['keep-alive']).toBeUndefined();
    expect(r.headers['te']).toBeUndefined();
    expect(r.headers['proxy-authorization']).toBeUndefined();
    expect(r.headers['x-normal']).toBe('ok');
  });
  it('keeps "TE: trailers" (the one TE value a proxy forwards)', async () => {
    expect(json((await send(s.port, '/x', { headers: { TE: 'trailers, gzip' } })).text).headers.te).toBe('trailers');
  });
  it("removes hop-by-hop response headers; the backend's Server replaces ours and Via names tsweb (newer Caddy, #6275)", async () => {
    const r = await send(s.port, '/hop');
    expect(r.text).toBe('hop');
    // No Content-Type from the backend: sniffed from the body, as Go's ResponseWriter does behind Caddy.
    expect(r.headers['content-type']).toBe('text/plain; charset=utf-8');
    expect(r.headers['x-hop-field']).toBeUndefined();
    expect(r.headers['proxy-authenticate']).toBeUndefined();
    expect(r.headers['keep-alive']).not.toBe('timeout=5');
    expect(r.headers['x-kept']).toBe('yes');
    const servers = r.rawHeaders.filter((_, i) => i % 2 === 0).map((n, i) => [n, r.rawHeaders[i * 2 + 1]]).filter(([n]) => n!.toLowerCase() === 'server').map(([, v]) => v);
    // Caddy 2.6.2 answered with both Server fields and no Via.
    expect(servers).toEqual(['backend']);
    expect(r.headers.via).toBe('1.1 tsweb');
  });
  it('untrusted peer: client-sent X-Forwarded-* are replaced, not trusted', async () => {
    const r = json((await send(s.port, '/x', { headers: { Host: 'site.test', 'X-Forwarded-For': '6.6.6.6', 'X-Forwarded-Proto': 'https', 'X-Forwarded-Host': 'evil.test' } })).text);
    expect(r.headers['x-forwarded-for']).toBe('127.0.0.1');
    expect(r.headers['x-forwarded-proto']).toBe('http');
    expect(r.headers['x-forwarded-host']).toBe('site.test');
    // The upstream leg names the proxy too, with the client's HTTP version.
    expect(r.headers.via).toBe('1.1 tsweb');
  });
  it('trusted peer (server trusted_proxies): X-Forwarded-For is appended to, Proto and Host passed on', async () => {
    const r = json((await send(trustedSite.port, '/x', { headers: { Host: 'site.test', 'X-Forwarded-For': '6.6.6.6', 'X-Forwarded-Proto': 'https', 'X-Forwarded-Host': 'orig.test' } })).text);
    expect(r.headers['x-forwarded-for']).toBe('6.6.6.6, 127.0.0.1');
    expect(r.headers['x-forwarded-proto']).toBe('https');
    expect(r.headers['x-forwarded-host']).toBe('orig.test');
  });
  it('header_up and header_down apply, with http.reverse_proxy.* placeholders', async () => {
    const r = await send(s.port, '/ops');
    expect(r.headers['x-kept']).toBeUndefined();
    expect(r.headers['x-status']).toBe('200');
    expect(r.headers['x-upstream']).toBe(hop.dial);
    expect(r.headers['x-address']).toBe(`tcp/${hop.dial}`);
    expect(r.headers['x-backend-server']).toBe('backend');
  });
  it('header_up reaches the backend', async () => {
    const seen: string[] = [];
    const b = await backend((req, res) => {
      seen.push(String(req.headers['x-up']));
      res.end();
    });
    const t = await site([{ handle: [proxy([b.dial], { headers: { request: { set: { 'X-Up': ['{http.request.uri.path}'] } } } })] }]);
    try {
      await send(t.port, '/from/here');
      expect(seen).toEqual(['/from/here']);
    } finally {
      await t.stop();
      await b.close();
    }
  });
  it('rewrite changes the method and URI sent upstream only', async () => {
    const r = json((await send(s.port, '/rewrite')).text);
    expect(r).toMatchObject({ method: 'POST', url: '/elsewhere?x=1' });
  });
});
