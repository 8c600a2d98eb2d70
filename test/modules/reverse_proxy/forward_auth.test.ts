// forward_auth end to end (Caddyfile → runtime → a real auth gateway and a
// real app on 127.0.0.1): the gateway is asked `GET <uri>` with
// X-Forwarded-Method/Uri, a 2xx lets the request through with the listed
// headers copied (and renamed), anything else is the client's answer as
// the gateway wrote it, and a client cannot smuggle a header the gateway
// would have set (newer Caddy strips client-sent copies; 2.6.2 did not).
import type { IncomingMessage } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { adaptCaddyfile } from '../../../src/adapt/index.js';
import { Runtime } from '../../../src/runtime/runtime.js';
import { send } from '../../support/client.js';
import { freePort } from '../../support/net.js';
import { type Backend, backend } from './backends.js';

interface Seen {
  method: string;
  url: string;
  headers: IncomingMessage['headers'];
  body: string;
}

function recorder(into: Seen[], answer: (req: IncomingMessage, res: import('node:http').ServerResponse) => void): Promise<Backend> {
  return backend((req, res) => {
    let body = '';
    req.on('data', (c: Buffer) => (body += c.toString()));
    req.on('end', () => {
      into.push({ method: req.method ?? '', url: req.url ?? '', headers: req.headers, body });
      answer(req, res);
    });
  });
}

describe('forward_auth', () => {
  const authSeen: Seen[] = [];
  const appSeen: Seen[] = [];
  let auth: Backend, app: Backend, runtime: Runtime, port: number;

  beforeAll(async () => {
    auth = await recorder(authSeen, (req, res) => {
      const token = req.headers.authorization;
      if (token === 'Bearer good') {
        res.setHeader('X-User', 'alice');
        res.setHeader('X-Role', 'admin');
        res.setHeader('X-Not-Copied', 'internal');
        res.end();
      } else if (token === 'Bearer anon') {
        // Allowed, but names no user.
        res.statusCode = 204;
        res.end();
      } else {
        res.statusCode = 401;
        res.setHeader('WWW-Authenticate', 'Bearer realm="tsweb-test"');
        res.setHeader('Content-Type', 'application/json');
        res.setHeader('X-Auth-Reason', 'bad token');
        res.end('{"error":"no"}');
      }
    });
    app = await recorder(appSeen, (_req, res) => res.end('app says hi'));
    port = await freePort();
    const { config } = adaptCaddyfile(
      `{
	admin off
}
:${port} {
	bind 127.0.0.1
	forward_auth ${auth.dial} {
		uri /verify?from=tsweb
		copy_headers X-User X-Role>X-Auth-Role
	}
	reverse_proxy ${app.dial}
}`,
      'Caddyfile',
      { env: {} },
    );
    runtime = new Runtime({});
    await runtime.load(config);
  });
  afterAll(async () => {
    await runtime?.stop();
    await Promise.all([auth?.close(), app?.close()]);
  });

  it('allowed (2xx): the gateway is asked GET <uri> with X-Forwarded-*, the app gets the request with the copied and renamed headers', async () => {
    authSeen.length = appSeen.length = 0;
    const r = await send(port, '/orders/7?sort=asc', { method: 'POST', headers: { Authorization: 'Bearer good', 'Content-Type': 'text/plain' }, body: 'the order' });
    expect([r.status, r.text]).toEqual([200, 'app says hi']);
    expect(authSeen).toHaveLength(1);
    const a = authSeen[0]!;
    expect(a.method).toBe('GET');
    expect(a.url).toBe('/verify?from=tsweb');
    expect(a.body).toBe('');
    expect(a.headers['x-forwarded-method']).toBe('POST');
    expect(a.headers['x-forwarded-uri']).toBe('/orders/7?sort=asc');
    expect(a.headers.authorization).toBe('Bearer good');
    const p = appSeen[0]!;
    expect([p.method, p.url, p.body]).toEqual(['POST', '/orders/7?sort=asc', 'the order']);
    expect(p.headers['x-user']).toBe('alice');
    expect(p.headers['x-auth-role']).toBe('admin');
    expect(p.headers['x-role']).toBeUndefined();
    expect(p.headers['x-not-copied']).toBeUndefined();
    // The gateway's answer does not reach the client.
    expect(r.headers['x-user']).toBeUndefined();
  });

  it('denied (401): the gateway\'s status, headers and body reach the client as they are; the app is not asked', async () => {
    authSeen.length = appSeen.length = 0;
    const r = await send(port, '/orders', { headers: { Authorization: 'Bearer bad' } });
    expect(r.status).toBe(401);
    expect(r.text).toBe('{"error":"no"}');
    expect(r.headers['www-authenticate']).toBe('Bearer realm="tsweb-test"');
    expect(r.headers['x-auth-reason']).toBe('bad token');
    expect(r.headers['content-type']).toBe('application/json');
    expect(appSeen).toEqual([]);
  });

  it('client-sent copies of the copied headers are stripped: a gateway that names no user leaves none', async () => {
    appSeen.length = 0;
    const r = await send(port, '/', { headers: { Authorization: 'Bearer anon', 'X-User': 'mallory', 'X-Auth-Role': 'root' } });
    expect(r.status).toBe(200);
    expect(appSeen[0]!.headers['x-user']).toBeUndefined();
    expect(appSeen[0]!.headers['x-auth-role']).toBeUndefined();
    // With a user, the gateway's value replaces the client's.
    appSeen.length = 0;
    await send(port, '/', { headers: { Authorization: 'Bearer good', 'X-User': 'mallory' } });
    expect(appSeen[0]!.headers['x-user']).toBe('alice');
  });

  it('a gateway that is down is a 502 and the app is not asked', async () => {
    const deadPort = await freePort();
    const p2 = await freePort();
    const { config } = adaptCaddyfile(`{\n\tadmin off\n}\n:${p2} {\n\tbind 127.0.0.1\n\tforward_auth 127.0.0.1:${deadPort} {\n\t\turi /verify\n\t}\n\treverse_proxy ${app.dial}\n}`, 'Caddyfile', { env: {} });
    const rt = new Runtime({});
    await rt.load(config);
    try {
      appSeen.length = 0;
      expect((await send(p2, '/')).status).toBe(502);
      expect(appSeen).toEqual([]);
    } finally {
      await rt.stop();
    }
  });
});
