// request_body max_size (declared and chunked bodies), authentication with
// http_basic (bcrypt hashes, realm, the verification cache, user id
// placeholder), and map (exact and regexp inputs, captures, defaults).
import bcrypt from 'bcryptjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { registerHandler } from '../../src/core/registry.js';
import { HandlerError } from '../../src/core/types.js';
import { respond, send, site, type Site } from '../support/client.js';

// Reads the whole request body, as a proxy or app would, and reports its size.
registerHandler('test_read_body', () => async (ctx) => {
  let n = 0;
  try {
    for await (const c of ctx.req) n += (c as Buffer).length;
  } catch (err) {
    if (err instanceof HandlerError) throw err;
    throw new HandlerError(400, String(err));
  }
  ctx.w.end(`read ${n}`);
});

describe('request_body max_size', () => {
  let s: Site;
  beforeAll(async () => {
    s = await site([{ handle: [{ handler: 'request_body', max_size: 1000 }, { handler: 'test_read_body' }] }], {
      errors: { routes: [{ handle: [respond('{http.error.status_code} {http.error.message}')] }] },
    });
  });
  afterAll(() => s?.stop());

  it('a body within the limit reads whole', async () => {
    const r = await send(s.port, '/', { method: 'POST', body: 'x'.repeat(1000) });
    expect(r.text).toBe('read 1000');
  });
  it('a declared Content-Length over the limit is 413 at once, and the connection closes', async () => {
    const r = await send(s.port, '/', { method: 'POST', body: 'x'.repeat(1001) });
    expect(r.status).toBe(413);
    expect(r.text).toBe('413 http: request body too large');
    expect(r.headers.connection).toBe('close');
  });
  it('a chunked body is cut off with 413 once it passes the limit', async () => {
    const r = await send(s.port, '/', { method: 'POST', body: Array(8).fill('y'.repeat(200)), gapMs: 20 });
    expect(r.status).toBe(413);
    expect(r.text).toBe('413 http: request body too large');
  });
  it('a chunked body within the limit passes', async () => {
    const r = await send(s.port, '/', { method: 'POST', body: Array(4).fill('y'.repeat(200)), gapMs: 10 });
    expect(r.text).toBe('read 800');
  });
});

describe('authentication: http_basic', () => {
  let s: Site;
  // Low cost keeps the test quick; the hashes are what `hash-password` prints.
  const aliceHash = bcrypt.hashSync('wonderland', 4);
  const bobHash = bcrypt.hashSync('builder', 4);
  const basic = (user: string, pass: string) => 'Basic ' + Buffer.from(`${user}:${pass}`).toString('base64');
  beforeAll(async () => {
    s = await site([
      {
        match: [{ path: ['/secret/*'] }],
        handle: [
          { handler: 'authentication', providers: { http_basic: { hash: { algorithm: 'bcrypt' }, accounts: [{ username: 'alice', password: aliceHash }, { username: 'bob', password: Buffer.from(bobHash).toString('base64') }], hash_cache: {} } } },
          respond('hello {http.auth.user.id}'),
        ],
      },
      {
        match: [{ path: ['/realm'] }],
        handle: [{ handler: 'authentication', providers: { http_basic: { accounts: [{ username: 'a', password: aliceHash }], realm: 'Staff only' } } }, respond('in')],
      },
      { handle: [respond('public')] },
    ]);
  });
  afterAll(() => s?.stop());

  it('no credentials: 401 with the default realm', async () => {
    const r = await send(s.port, '/secret/x');
    expect(r.status).toBe(401);
    expect(r.headers['www-authenticate']).toBe('Basic realm="restricted"');
  });
  it('the configured realm', async () => {
    expect((await send(s.port, '/realm')).headers['www-authenticate']).toBe('Basic realm="Staff only"');
  });
  it('good credentials pass and set the user id (plain and base64-encoded hashes)', async () => {
    expect((await send(s.port, '/secret/x', { headers: { Authorization: basic('alice', 'wonderland') } })).text).toBe('hello alice');
    expect((await send(s.port, '/secret/x', { headers: { Authorization: basic('bob', 'builder') } })).text).toBe('hello bob');
  });
  it.each([
    ['a wrong password', basic('alice', 'nope')],
    ['an unknown user', basic('mallory', 'wonderland')],
    ['another user\'s password', basic('bob', 'wonderland')],
    ['a malformed header', 'Basic !!!'],
    ['another scheme', 'Bearer abc'],
  ])('%s: 401', async (_what, auth) => {
    const r = await send(s.port, '/secret/x', { headers: { Authorization: auth } });
    expect(r.status).toBe(401);
    expect(r.headers['www-authenticate']).toBe('Basic realm="restricted"');
  });
  it('a repeated good login is answered from the cache, a wrong one after it is still refused', async () => {
    await send(s.port, '/secret/x', { headers: { Authorization: basic('alice', 'wonderland') } });
    const t0 = performance.now();
    for (let i = 0; i < 20; i++) {
      expect((await send(s.port, '/secret/x', { headers: { Authorization: basic('alice', 'wonderland') } })).status).toBe(200);
    }
    const cached = (performance.now() - t0) / 20;
    expect(cached).toBeLessThan(50);
    expect((await send(s.port, '/secret/x', { headers: { Authorization: basic('alice', 'wonderlanD') } })).status).toBe(401);
  });
  it('other paths are public', async () => {
    expect((await send(s.port, '/')).text).toBe('public');
  });
  it('duplicate users are refused at load', async () => {
    await expect(site([{ handle: [{ handler: 'authentication', providers: { http_basic: { accounts: [{ username: 'a', password: aliceHash }, { username: 'a', password: bobHash }] } } }] }])).rejects.toThrow(/username is not unique: a/);
  });
});

describe('map', () => {
  let s: Site;
  beforeAll(async () => {
    s = await site([
      {
        handle: [
          {
            handler: 'map',
            source: '{http.request.uri.path}',
            destinations: ['{my_var}', '{http.vars.second}'],
            mappings: [
              { input_regexp: '^/a/(?P<name>[^/]+)/(.*)$', outputs: ['got-${name}-$2', 'yes'] },
              { input: '/b', outputs: ['b-{http.request.method}', null] },
              { input: '/c', outputs: [7, true] },
            ],
            defaults: ['def', 'no'],
          },
          respond('{my_var} {http.vars.second}'),
        ],
      },
    ]);
  });
  afterAll(() => s?.stop());

  it.each([
    ['/a/joe/rest/of', 'got-joe-rest/of yes'], // regexp captures by name and number
    ['/b', 'b-GET no'], // exact input; a null output falls back to the default
    ['/c', '7 true'], // non-string outputs as Go prints them
    ['/zzz', 'def no'], // no match: defaults
  ])('%s → %s', async (path, expected) => {
    expect((await send(s.port, path)).text).toBe(expected);
  });

  it('config errors are Caddy\'s', async () => {
    await expect(site([{ handle: [{ handler: 'map', source: '{path}', destinations: ['x'], mappings: [] }] }])).rejects.toThrow(/destination must be a placeholder/);
    await expect(site([{ handle: [{ handler: 'map', source: '{path}', destinations: ['{x}'], mappings: [{ input: 'a', outputs: ['1', '2'] }] }] }])).rejects.toThrow(/mapping 0 has 2 outputs but there are 1 destinations defined/);
    await expect(site([{ handle: [{ handler: 'map', source: '{path}', destinations: ['{x}'], mappings: [{ input: 'a', outputs: ['1'] }, { input: 'a', outputs: ['2'] }] }] }])).rejects.toThrow(/duplicate input 'a'/);
  });
});
