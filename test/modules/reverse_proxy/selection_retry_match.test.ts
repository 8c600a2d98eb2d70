// lb_retry_match: request matcher sets choose which requests are retried after
// a failure past the dial; expression sets (Caddy's response-based retries)
// retry on the upstream's status; the tries running out gives the client the
// upstream's status.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { send, site, type Site } from '../../support/client.js';
import { freePort, serve } from '../../support/net.js';
import { type Backend, backend } from './backends.js';

describe('lb_retry_match', () => {
  let bad: Backend, good: Backend, reset: Backend, s: Site;
  const hits = { bad: 0, good: 0, reset: 0 };
  beforeAll(async () => {
    bad = await backend((req, res) => {
      hits.bad++;
      req.resume();
      res.statusCode = 503;
      res.end('bad says 503');
    });
    good = await backend((req, res) => {
      hits.good++;
      let n = 0;
      req.on('data', (c: Buffer) => (n += c.length));
      req.on('end', () => res.end(`good ${req.method} ${n}`));
    });
    // Accepts the connection and the request, then hangs up without answering.
    reset = await backend((req) => {
      hits.reset++;
      req.socket.destroy();
    });
    const rr = { policy: 'round_robin' };
    s = await site([
      {
        match: [{ path: ['/status'] }],
        handle: [{ handler: 'reverse_proxy', upstreams: [{ dial: good.dial }, { dial: bad.dial }], load_balancing: { selection_policy: rr, retries: 1, retry_match: [{ expression: '{http.reverse_proxy.status_code} in [502, 503]' }] } }],
      },
      {
        match: [{ path: ['/allbad'] }],
        handle: [{ handler: 'reverse_proxy', upstreams: [{ dial: bad.dial }, { dial: bad.dial }], load_balancing: { retries: 2, retry_match: [{ expression: '{http.reverse_proxy.status_code} >= 500 && method("GET")' }] } }],
      },
      {
        match: [{ path: ['/post'] }],
        handle: [{ handler: 'reverse_proxy', upstreams: [{ dial: good.dial }, { dial: reset.dial }], load_balancing: { selection_policy: rr, retries: 1, retry_match: [{ method: ['POST'] }] } }],
      },
      {
        // A string method on an int fails at evaluation: no retry, as Caddy (the upstream's answer stands).
        match: [{ path: ['/evalerror'] }],
        handle: [{ handler: 'reverse_proxy', upstreams: [{ dial: bad.dial }, { dial: good.dial }], load_balancing: { selection_policy: { policy: 'first' }, retries: 1, retry_match: [{ expression: '{http.reverse_proxy.status_code}.startsWith("5")' }] } }],
      },
      {
        match: [{ path: ['/post-default'] }],
        handle: [{ handler: 'reverse_proxy', upstreams: [{ dial: good.dial }, { dial: reset.dial }], load_balancing: { selection_policy: rr, retries: 1 } }],
      },
    ]);
  });
  afterAll(async () => {
    await s?.stop();
    await Promise.all([bad, good, reset].map((b) => b?.close()));
  });

  it('a 503 matched by an expression is retried on the next upstream; the client never sees it', async () => {
    hits.bad = hits.good = 0;
    for (let i = 0; i < 4; i++) {
      const r = await send(s.port, '/status');
      expect(r.status).toBe(200);
      expect(r.text).toBe('good GET 0');
    }
    // round_robin: each request lands on bad first (the counter moves on every pick), then good.
    expect(hits.bad).toBe(4);
    expect(hits.good).toBe(4);
  });

  it('when every try matches, the client gets the upstream status (not 502)', async () => {
    hits.bad = 0;
    const r = await send(s.port, '/allbad');
    expect(r.status).toBe(503);
    expect(r.text).not.toContain('bad says');
    expect(hits.bad).toBe(3);
  });

  it('a request matcher set lets a POST be retried after the upstream hung up; by default it is not', async () => {
    hits.reset = hits.good = 0;
    // round_robin starts at the second upstream (reset), then good.
    const r = await send(s.port, '/post', { method: 'POST', body: '' });
    expect(r.status).toBe(200);
    expect(r.text).toBe('good POST 0');
    expect(hits).toMatchObject({ reset: 1, good: 1 });
    const d = await send(s.port, '/post-default', { method: 'POST', headers: { 'Content-Length': '0' } });
    expect(d.status).toBe(502);
  });

  it('by default only a GET is tried again after the upstream hung up (as Caddy): not a DELETE or a PUT', async () => {
    for (const method of ['DELETE', 'PUT']) {
      hits.reset = hits.good = 0;
      // Two in a row: whichever lands on the upstream that hangs up is answered 502, not retried.
      const statuses = [(await send(s.port, '/post-default', { method })).status, (await send(s.port, '/post-default', { method })).status];
      expect(statuses.sort()).toEqual([200, 502]);
      expect(hits.reset).toBe(1);
    }
    hits.reset = hits.good = 0;
    const gets = [(await send(s.port, '/post-default')).status, (await send(s.port, '/post-default')).status];
    expect(gets).toEqual([200, 200]);
    expect(hits).toMatchObject({ reset: 1, good: 2 });
  });

  it("loads every expression of Caddy's retry_match adapt tests, and {rp.is_transport_error} with method('PUT') retries a PUT", async () => {
    const port = await freePort();
    const exprs = [
      '{http.reverse_proxy.status_code} in [502, 503, 504]',
      "method('POST') && {http.reverse_proxy.status_code} >= 500",
      "path('/api*') && {http.reverse_proxy.status_code} in [502, 503]",
      "host('example.com') && {http.reverse_proxy.status_code} == 503",
      "query({'retry': 'true'}) && {http.reverse_proxy.status_code} >= 500",
      "header({'X-Idempotency-Key': '*'}) && {http.reverse_proxy.status_code} in [502, 503]",
      "protocol('https') && {http.reverse_proxy.status_code} == 502",
      "path_regexp('^/api/v[0-9]+/') && {http.reverse_proxy.status_code} >= 500",
      "header_regexp('Content-Type', '^application/json') && {http.reverse_proxy.status_code} == 502",
      '{http.reverse_proxy.is_transport_error} || {http.reverse_proxy.status_code} in [502, 503]',
      "!({http.reverse_proxy.status_code} < 500) && method('GET', 'HEAD')",
    ];
    const { stop } = await serve({
      servers: {
        s: {
          listen: [`127.0.0.1:${port}`],
          routes: [
            { match: [{ path: ['/all'] }], handle: [{ handler: 'reverse_proxy', upstreams: [{ dial: good.dial }], load_balancing: { retries: 1, retry_match: exprs.map((expression) => ({ expression })) } }] },
            {
              handle: [
                {
                  handler: 'reverse_proxy',
                  upstreams: [{ dial: good.dial }, { dial: reset.dial }],
                  load_balancing: { selection_policy: { policy: 'round_robin' }, retries: 1, retry_match: [{ expression: "{http.reverse_proxy.is_transport_error} && method('PUT')" }] },
                },
              ],
            },
          ],
        },
      },
    });
    try {
      expect((await send(port, '/all')).status).toBe(200);
      hits.reset = hits.good = 0;
      const r = await send(port, '/put', { method: 'PUT' });
      expect(r.status).toBe(200);
      expect(hits).toMatchObject({ reset: 1, good: 1 });
    } finally {
      await stop();
    }
  });

  it('an expression that fails to evaluate allows no retry: the client gets the upstream answer, not a 500', async () => {
    hits.bad = hits.good = 0;
    const r = await send(s.port, '/evalerror');
    expect(r.status).toBe(503);
    expect(r.body.toString()).toBe('bad says 503');
    expect(hits).toMatchObject({ bad: 1, good: 0 });
  });

  it('a malformed expression is refused at load, with the position', async () => {
    const port = await freePort();
    const load = serve({
      servers: { s: { listen: [`127.0.0.1:${port}`], routes: [{ handle: [{ handler: 'reverse_proxy', upstreams: [{ dial: good.dial }], load_balancing: { retries: 1, retry_match: [{ expression: '{http.reverse_proxy.status_code} in [502,' }] } }] }] } },
    });
    await expect(load).rejects.toThrow(/compiling CEL program: ERROR: <input>:1:\d+/);
  });
});
