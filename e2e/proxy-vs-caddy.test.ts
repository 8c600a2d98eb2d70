// reverse_proxy served by `caddy run` (Debian's 2.6.2) and `tsweb run` from
// the same Caddyfile, in front of the same real backends on 127.0.0.1: what
// the upstream sees (X-Forwarded-*, Host, hop-by-hop fields gone, no Via),
// what the client gets back, a refused dial (502), and retries past a dead
// upstream (lb_try_duration) must be the same.
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket, { WebSocketServer } from 'ws';
import { type Answer, freePort, type Pair, type Req, startPair, type Who } from './serve-diff.js';

const seen = new Map<string, { url: string; headers: IncomingMessage['headers']; rawNames: string[]; body: string }>();

const ok = (a: Answer | 'dropped'): Answer => {
  if (a === 'dropped') throw new Error('connection dropped');
  return a;
};

describe('reverse_proxy against caddy run', () => {
  let echo: Server, echoDial: string, deadDial: string;
  let pair: Pair;
  let n = 0;

  beforeAll(async () => {
    echo = createServer((req, res) => {
      let body = '';
      req.on('data', (c: Buffer) => (body += c.toString()));
      req.on('end', () => {
        const id = new URL(req.url ?? '/', 'http://x').searchParams.get('id') ?? '';
        const rawNames = req.rawHeaders.filter((_, i) => i % 2 === 0);
        seen.set(id, { url: req.url ?? '', headers: req.headers, rawNames, body });
        res.setHeader('X-Backend', 'echo');
        res.setHeader('Connection', 'X-Drop-Me');
        res.setHeader('X-Drop-Me', 'hop');
        res.setHeader('Content-Type', 'text/plain');
        res.end(`echo ${req.method} ${body.length}`);
      });
    });
    await new Promise<void>((r) => echo.listen(0, '127.0.0.1', r));
    echoDial = `127.0.0.1:${(echo.address() as AddressInfo).port}`;
    // A port nothing listens on: the dial is refused.
    deadDial = `127.0.0.1:${await freePort()}`;
    pair = await startPair(`{
	admin off
	auto_https off
}

:{{PORT:plain}} {
	reverse_proxy ${echoDial}
}

:{{PORT:dead}} {
	reverse_proxy ${deadDial}
	handle_errors {
		respond "error {err.status_code}"
	}
}

:{{PORT:retry}} {
	reverse_proxy ${deadDial} ${echoDial} {
		lb_policy round_robin
		lb_try_duration 2s
		lb_try_interval 50ms
	}
}

:{{PORT:limit}} {
	request_body {
		max_size 16B
	}
	reverse_proxy ${echoDial}
}

:{{PORT:trusted}} {
	reverse_proxy ${echoDial} {
		trusted_proxies 127.0.0.1/8
	}
}
`);
  }, 60_000);
  afterAll(async () => {
    await pair?.stop();
    echo?.close();
  });

  /** One request to one server; the answer and what the upstream saw for it. */
  async function exchange(who: Who, r: Omit<Req, 'path'> & { path: string }) {
    const id = `${who}-${n++}`;
    const path = `${r.path}${r.path.includes('?') ? '&' : '?'}id=${id}`;
    const a = ok(await pair.ask(who, { ...r, path }));
    const up = seen.get(id);
    const h = up?.headers ?? {};
    return {
      status: a.status,
      body: a.body,
      client: { 'x-backend': a.headers['x-backend'], 'x-drop-me': a.headers['x-drop-me'], 'content-type': a.headers['content-type'] },
      upstream:
        up === undefined
          ? undefined
          : {
              url: up.url.replace(id, 'ID'),
              body: up.body,
              // Every field the upstream got, but Host (it carries the port) and three known differences:
              // Go's transport asks for gzip itself when the client did not (and decompresses the
              // answer), Node's client says `Connection: keep-alive` where Go's HTTP/1.1 says nothing,
              // and Via, which newer Caddy sends and 2.6.2 does not (tested apart below).
              names: up.rawNames
                .map((x) => x.toLowerCase())
                .filter((x) => x !== 'host' && x !== 'accept-encoding' && x !== 'connection' && x !== 'via')
                .sort(),
              host: String(h.host).replace(/:\d+$/, ':PORT'),
              'x-forwarded-host': String(h['x-forwarded-host']).replace(/:\d+$/, ':PORT'),
              'x-forwarded-for': h['x-forwarded-for'],
              'x-forwarded-proto': h['x-forwarded-proto'],
              connection: h.connection === 'keep-alive' ? undefined : h.connection,
              'keep-alive': h['keep-alive'],
              'x-hop': h['x-hop'],
              te: h.te,
              'user-agent': h['user-agent'],
              // Only what the client sent (see names above).
              'accept-encoding': r.headers?.['Accept-Encoding'] === undefined ? undefined : h['accept-encoding'],
              'content-length': h['content-length'],
              'transfer-encoding': h['transfer-encoding'],
              'x-custom': h['x-custom'],
            },
    };
  }

  it.each([
    ['a plain GET', { site: 'plain', path: '/a/b?c=d' }],
    ['hop-by-hop fields from the client are dropped, others kept', { site: 'plain', path: '/hop', headers: { Connection: 'keep-alive, X-Hop', 'X-Hop': '1', 'Keep-Alive': 'timeout=5', TE: 'trailers', 'X-Custom': 'kept', 'User-Agent': 'diff/1' } }],
    ['client X-Forwarded-* from an untrusted peer are replaced', { site: 'plain', path: '/xff', headers: { 'X-Forwarded-For': '6.6.6.6', 'X-Forwarded-Proto': 'https', 'X-Forwarded-Host': 'evil.test' } }],
    ['a trusted peer keeps the chain', { site: 'trusted', path: '/xff', headers: { 'X-Forwarded-For': '6.6.6.6', 'X-Forwarded-Proto': 'https', 'X-Forwarded-Host': 'good.test' } }],
    ['the Accept-Encoding the client sent passes as sent', { site: 'plain', path: '/ae', headers: { 'Accept-Encoding': 'gzip, br' } }],
    ['a POST with a body', { site: 'plain', method: 'POST', path: '/post', headers: { 'Content-Type': 'text/plain' }, body: 'hello body' }],
    ['a HEAD', { site: 'plain', method: 'HEAD', path: '/head' }],
  ] as Array<[string, Req]>)('%s: same answer, same request upstream', async (_name, r) => {
    const caddy = await exchange('caddy', r);
    const tsweb = await exchange('tsweb', r);
    expect(tsweb).toEqual(caddy);
  });

  it('Via, as newer Caddy (#6275): tsweb names itself to the upstream and to the client and passes the upstream Server on; 2.6.2 sends no Via', async () => {
    const via = async (who: Who) => {
      const id = `${who}-via-${n++}`;
      const a = ok(await pair.ask(who, { site: 'plain', path: `/via?id=${id}` }));
      return { up: seen.get(id)?.headers.via, down: a.headers.via };
    };
    expect(await via('caddy')).toEqual({ up: undefined, down: undefined });
    expect(await via('tsweb')).toEqual({ up: '1.1 tsweb', down: '1.1 tsweb' });
  });

  it('a refused dial is a 502 for both', async () => {
    const caddy = await exchange('caddy', { site: 'dead', path: '/x' });
    const tsweb = await exchange('tsweb', { site: 'dead', path: '/x' });
    expect(caddy.status).toBe(502);
    expect(tsweb).toEqual(caddy);
  });

  // A chunked body over the limit is a 413 from both. A declared Content-Length
  // over it is a 413 from tsweb before any dial, where 2.6.2 answers 502 (its
  // transport wraps the MaxBytesReader's error): tsweb keeps the 413 the
  // request_body handler means, on purpose.
  it.each([
    ['chunked', { 'Transfer-Encoding': 'chunked' }, { caddy: 413, tsweb: 413 }],
    ['declared', { 'Content-Length': '40' }, { caddy: 502, tsweb: 413 }],
  ])('request_body max_size in front of reverse_proxy: a %s body over it is answered at once', async (_name, headers, want) => {
    const got: Record<string, number> = {};
    for (const who of ['caddy', 'tsweb'] as const) {
      const t0 = Date.now();
      got[who] = (await exchange(who, { site: 'limit', method: 'POST', path: '/up', headers, body: 'z'.repeat(40) })).status;
      expect(Date.now() - t0).toBeLessThan(1500);
    }
    expect(got).toEqual(want);
  });

  it('lb_try_duration gets past a dead upstream to the live one, every time', async () => {
    for (let i = 0; i < 4; i++) {
      const caddy = await exchange('caddy', { site: 'retry', path: '/r' });
      const tsweb = await exchange('tsweb', { site: 'retry', path: '/r' });
      expect(caddy.status).toBe(200);
      expect(tsweb).toEqual(caddy);
    }
  });
});

describe('a WebSocket through reverse_proxy when the server gets SIGTERM', () => {
  it('both send 1001 (going away) to the client and exit promptly', async () => {
    const http = createServer((_req, res) => res.end('no'));
    const wss = new WebSocketServer({ server: http });
    const backendCloses: Record<string, number> = {};
    wss.on('connection', (ws, req) => {
      const who = req.url?.slice(1) ?? '';
      ws.on('message', (m) => ws.send(m));
      ws.on('close', (code) => (backendCloses[who] = code));
      ws.on('error', () => {});
    });
    await new Promise<void>((r) => http.listen(0, '127.0.0.1', r));
    const dial = `127.0.0.1:${(http.address() as AddressInfo).port}`;
    const pair = await startPair(`{
	admin off
	auto_https off
}

:{{PORT:ws}} {
	reverse_proxy ${dial}
}
`);
    try {
      const codes: Record<Who, Promise<number>> = {} as Record<Who, Promise<number>>;
      for (const who of ['caddy', 'tsweb'] as const) {
        const ws = new WebSocket(`ws://127.0.0.1:${pair.ports[who].ws}/${who}`);
        await new Promise((r, j) => ws.once('open', r).once('error', j));
        const echoed = new Promise((r) => ws.once('message', r));
        ws.send('hi');
        expect(String(await echoed)).toBe('hi');
        codes[who] = new Promise((r) => ws.once('close', (code) => r(code)));
        ws.on('error', () => {});
      }
      const t0 = Date.now();
      await pair.stop();
      expect(Date.now() - t0).toBeLessThan(4000);
      expect({ caddy: await codes.caddy, tsweb: await codes.tsweb }).toEqual({ caddy: 1001, tsweb: 1001 });
      // The backend gets a (masked) 1001 from tsweb as from newer Caddy (streaming.go
      // registers the upstream connection with a graceful close too); 2.6.2 just hangs up.
      await new Promise((r) => setTimeout(r, 200));
      expect(backendCloses).toEqual({ caddy: 1006, tsweb: 1001 });
    } finally {
      await pair.stop();
      for (const c of wss.clients) c.terminate();
      wss.close();
      http.close();
    }
  }, 30_000);
});
