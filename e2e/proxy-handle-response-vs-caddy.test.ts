// forward_auth and handle_response served by `caddy run` (Debian's 2.6.2) and
// `tsweb run` from the same Caddyfile, in front of the same real backends
// on 127.0.0.1: the client's answers and what the gateway and the app saw
// must be the same. The one place tsweb follows a newer Caddy on purpose
// (client-sent copies of forward_auth's copied headers are stripped; 2.6.2
// passed them through) is asserted apart, against 2.6.2's answer.
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Answer, type Pair, type Req, type Who, startPair } from './serve-diff.js';

interface Seen {
  method: string;
  url: string;
  headers: IncomingMessage['headers'];
  body: string;
}

async function listen(handle: (req: IncomingMessage, body: string, res: import('node:http').ServerResponse) => void): Promise<{ server: Server; dial: string }> {
  const server = createServer((req, res) => {
    let body = '';
    req.on('data', (c: Buffer) => (body += c.toString()));
    req.on('end', () => handle(req, body, res));
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return { server, dial: `127.0.0.1:${(server.address() as AddressInfo).port}` };
}

const ok = (a: Answer | 'dropped'): Answer => {
  if (a === 'dropped') throw new Error('connection dropped');
  return a;
};

/** What a user compares: status, body and the headers the test names. */
function view(a: Answer, names: string[]): Record<string, unknown> {
  return { status: a.status, body: a.body, ...Object.fromEntries(names.map((n) => [n, a.headers[n]])) };
}

describe('forward_auth and handle_response against caddy run', () => {
  const authSeen: Seen[] = [];
  const appSeen: Seen[] = [];
  let auth: Awaited<ReturnType<typeof listen>>, app: Awaited<ReturnType<typeof listen>>, up: Awaited<ReturnType<typeof listen>>;
  let pair: Pair;

  beforeAll(async () => {
    auth = await listen((req, body, res) => {
      authSeen.push({ method: req.method ?? '', url: req.url ?? '', headers: req.headers, body });
      const token = req.headers.authorization;
      if (token === 'Bearer good') {
        res.setHeader('X-User', 'alice');
        res.setHeader('X-Role', 'admin');
        res.end();
      } else if (token === 'Bearer anon') {
        res.statusCode = 204;
        res.end();
      } else {
        res.statusCode = 401;
        res.setHeader('WWW-Authenticate', 'Bearer realm="diff"');
        res.setHeader('Content-Type', 'application/json');
        res.setHeader('X-Auth-Reason', 'bad token');
        res.end('{"error":"no"}');
      }
    });
    app = await listen((req, body, res) => {
      appSeen.push({ method: req.method ?? '', url: req.url ?? '', headers: req.headers, body });
      res.end('app says hi');
    });
    up = await listen((req, _body, res) => {
      const path = req.url ?? '/';
      res.setHeader('X-Upstream', 'yes');
      res.setHeader('X-Secret', 'hunter2');
      if (path.includes('missing')) {
        res.statusCode = 404;
        res.setHeader('X-Reason', 'no-such-thing');
        res.end('upstream 404 page');
      } else if (path.includes('teapot')) {
        res.statusCode = 418;
        res.end('short and stout');
      } else if (path.includes('accel')) {
        res.setHeader('X-Accel-Redirect', '/internal/file.txt');
        res.end('ignored');
      } else {
        res.end(`upstream body for ${path}`);
      }
    });
    pair = await startPair(`{
	admin off
	auto_https off
}

:{{PORT:auth}} {
	forward_auth ${auth.dial} {
		uri /verify?from=proxy
		copy_headers X-User X-Role>X-Auth-Role
	}
	reverse_proxy ${app.dial}
}

:{{PORT:hr}} {
	handle /plain/* {
		reverse_proxy ${up.dial} {
			@missing status 404
			handle_response @missing {
				respond "not here: {rp.status_code} [{rp.status_text}] {rp.header.X-Reason}" 410
			}
			@accel header X-Accel-Redirect *
			handle_response @accel {
				header X-Was-Accel 1
				respond "accel to {rp.header.X-Accel-Redirect}"
			}
		}
	}
	handle /copy/* {
		reverse_proxy ${up.dial} {
			@teapot status 418
			handle_response @teapot {
				header X-Handled yes
				copy_response 503
			}
			handle_response {
				copy_response_headers {
					exclude X-Secret
				}
				respond "tsweb or caddy body"
			}
		}
	}
	handle /include/* {
		reverse_proxy ${up.dial} {
			handle_response {
				copy_response_headers {
					include X-Upstream
				}
				copy_response
			}
		}
	}
	handle /replace/* {
		reverse_proxy ${up.dial} {
			@missing status 404
			replace_status @missing 200
		}
	}
	handle /fail/* {
		reverse_proxy ${up.dial} {
			@missing status 404
			handle_response @missing {
				error "route says no" 403
			}
		}
	}
	handle_errors {
		respond "handled error {err.status_code}"
	}
}
`);
  });
  afterAll(async () => {
    await pair?.stop();
    for (const s of [auth, app, up]) s?.server.close();
  });

  /** Asks one server; returns its answer and what the gateway and the app saw for it. */
  async function exchange(who: Who, r: Req) {
    authSeen.length = appSeen.length = 0;
    const a = ok(await pair.ask(who, r));
    const pick = (s: Seen | undefined, names: string[]): Record<string, unknown> | undefined =>
      s && { method: s.method, url: s.url, body: s.body, ...Object.fromEntries(names.map((n) => [n, s.headers[n]])) };
    return {
      answer: view(a, ['content-type', 'www-authenticate', 'x-auth-reason', 'x-user']),
      auth: pick(authSeen[0], ['x-forwarded-method', 'x-forwarded-uri', 'authorization', 'content-length', 'x-forwarded-for', 'x-forwarded-proto']),
      app: pick(appSeen[0], ['x-user', 'x-auth-role', 'x-role', 'content-type', 'content-length', 'x-forwarded-method']),
    };
  }

  describe('the same answers and the same requests upstream', () => {
    it.each([
      ['allowed GET', { site: 'auth', path: '/orders/7?sort=asc', headers: { Authorization: 'Bearer good' } }],
      ['allowed POST with a body', { site: 'auth', method: 'POST', path: '/orders', headers: { Authorization: 'Bearer good', 'Content-Type': 'text/plain' }, body: 'the order' }],
      ['denied', { site: 'auth', path: '/orders', headers: { Authorization: 'Bearer bad' } }],
      ['no token', { site: 'auth', path: '/' }],
    ] as Array<[string, Req]>)('forward_auth: %s', async (_name, r) => {
      const caddy = await exchange('caddy', r);
      const tsweb = await exchange('tsweb', r);
      expect(tsweb).toEqual(caddy);
    });

    it.each([
      ['status matcher with {rp.*}', '/plain/missing'],
      ['header matcher', '/plain/accel'],
      ['not matched: proxied as usual', '/plain/other'],
      ['copy_response with a status', '/copy/teapot'],
      ['copy_response_headers include, then copy_response (the fields twice)', '/include/x'],
      ['replace_status', '/replace/missing'],
      ['an error in the routes', '/fail/missing'],
    ])('handle_response: %s', async (_name, path) => {
      const [c, t] = (await pair.both({ site: 'hr', path })).map(ok);
      const names = ['content-type', 'x-upstream', 'x-secret', 'x-reason', 'x-handled', 'x-was-accel', 'x-accel-redirect'];
      expect(view(t, names)).toEqual(view(c, names));
    });
  });

  describe('where tsweb follows newer Caddy than 2.6.2 (each shown against 2.6.2\'s answer)', () => {
    it('a gateway that names no user: 2.6.2 sends the app the unreplaced placeholder, newer Caddy and tsweb send nothing', async () => {
      const r: Req = { site: 'auth', path: '/', headers: { Authorization: 'Bearer anon' } };
      const caddy = await exchange('caddy', r);
      const tsweb = await exchange('tsweb', r);
      expect([caddy.app?.['x-user'], caddy.app?.['x-auth-role']]).toEqual(['{http.reverse_proxy.header.X-User}', '{http.reverse_proxy.header.X-Role}']);
      expect([tsweb.app?.['x-user'], tsweb.app?.['x-auth-role']]).toEqual([undefined, undefined]);
      expect({ ...tsweb, app: { ...tsweb.app, 'x-user': 0, 'x-auth-role': 0 } }).toEqual({ ...caddy, app: { ...caddy.app, 'x-user': 0, 'x-auth-role': 0 } });
    });

    it('client-sent copies of copied headers: 2.6.2 passes them to the app (or its placeholder), tsweb strips them as newer Caddy does', async () => {
      const r: Req = { site: 'auth', path: '/', headers: { Authorization: 'Bearer anon', 'X-User': 'mallory', 'X-Auth-Role': 'root' } };
      const caddy = await exchange('caddy', r);
      const tsweb = await exchange('tsweb', r);
      // 2.6.2 sets the field to its unreplaced placeholder, which replaces the client's value.
      expect([caddy.app?.['x-user'], caddy.app?.['x-auth-role']]).toEqual(['{http.reverse_proxy.header.X-User}', '{http.reverse_proxy.header.X-Role}']);
      expect([tsweb.app?.['x-user'], tsweb.app?.['x-auth-role']]).toEqual([undefined, undefined]);
      // With a user named, both put the gateway's value.
      const good: Req = { ...r, headers: { Authorization: 'Bearer good', 'X-User': 'mallory' } };
      expect((await exchange('tsweb', good)).app?.['x-user']).toBe('alice');
      expect((await exchange('caddy', good)).app?.['x-user']).toBe('alice');
    });

    it('copy_response_headers does not copy the upstream\'s framing: 2.6.2 copies its Content-Length and cuts the route\'s body short', async () => {
      const [c, t] = await pair.both({ site: 'hr', path: '/copy/other' });
      expect(c).toBe('dropped');
      expect(view(ok(t), ['x-upstream', 'x-secret', 'content-type'])).toEqual({ status: 200, body: 'tsweb or caddy body', 'x-upstream': 'yes', 'x-secret': undefined, 'content-type': 'text/plain; charset=utf-8' });
    });
  });
});
