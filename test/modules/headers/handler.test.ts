// headers through the engine: Caddy's headers_test.go table (request ops are
// read back through placeholders, response ops from the response), wildcard
// deletes, deferred ops that see what later handlers set, `require`, and the
// Host header changing the request's host.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { respond, send, site, type Site } from '../../support/client.js';

const hdr = (request?: unknown, response?: unknown) => ({ handler: 'headers', ...(request ? { request } : {}), ...(response ? { response } : {}) });

describe('request header ops', () => {
  let s: Site;
  const echo = (field: string) => respond(`[{http.request.header.${field}}]`);
  beforeAll(async () => {
    s = await site([
      { match: [{ path: ['/add'] }], handle: [hdr({ add: { 'Expose-Secrets': ['always'] } }), echo('Expose-Secrets')] },
      { match: [{ path: ['/set'] }], handle: [hdr({ set: { 'Who-Wins': ['batman'] } }), echo('Who-Wins')] },
      { match: [{ path: ['/del'] }], handle: [hdr({ delete: ['Kick-Me'] }), respond('[{http.request.header.Kick-Me}] [{http.request.header.Keep-Me}]')] },
      {
        match: [{ path: ['/replace'] }],
        handle: [hdr({ replace: { 'Best-Server': [{ search: 'NGINX', replace: 'the Caddy web server' }, { search_regexp: 'Apache(\\d+)', replace: 'Caddy' }] } }), echo('Best-Server')],
      },
      { match: [{ path: ['/case'] }], handle: [hdr({ replace: { 'Case-Insensitive': [{ search: 'issue4330', replace: 'issue #4330' }] } }), respond('[{http.request.header.case-insensitive}] [{http.request.header.Other-Header}]')] },
      { match: [{ path: ['/wild'] }], handle: [hdr({ delete: ['X-Secret-*', '*-Token', '*internal*'] }), respond('[{http.request.header.X-Secret-A}][{http.request.header.Auth-Token}][{http.request.header.X-Internal-Id}][{http.request.header.X-Keep}]')] },
      { match: [{ path: ['/host'] }], handle: [hdr({ set: { Host: ['example.com:8443'] } }), respond('{http.request.host} {http.request.port} {http.request.hostport}')] },
      { match: [{ path: ['/hostmatch'] }], handle: [hdr({ set: { Host: ['other.test'] } }), { handler: 'subroute', routes: [{ match: [{ host: ['other.test'] }], handle: [respond('matched other.test')] }] }] },
      { match: [{ path: ['/placeholder'] }], handle: [hdr({ set: { 'X-From': ['{http.request.uri.path} by {http.request.method}'] } }), echo('X-From')] },
    ]);
  });
  afterAll(() => s?.stop());

  it('add keeps existing values and appends', async () => {
    expect((await send(s.port, '/add', { headers: { 'Expose-Secrets': "i'm serious" } })).text).toBe("[i'm serious,always]");
  });
  it('set replaces', async () => {
    expect((await send(s.port, '/set', { headers: { 'Who-Wins': 'joker' } })).text).toBe('[batman]');
  });
  it('delete removes only that field', async () => {
    expect((await send(s.port, '/del', { headers: { 'Kick-Me': 'if you can', 'Keep-Me': "i swear i'm innocent" } })).text).toBe("[] [i swear i'm innocent]");
  });
  it('replace with substring and regexp, on every value', async () => {
    const r = await send(s.port, '/replace', { headers: { 'Best-Server': ["it's NGINX, undoubtedly", 'I love Apache2'] } });
    expect(r.text).toBe("[it's the Caddy web server, undoubtedly,I love Caddy]");
  });
  it('replace finds the field whatever its case (issue 4330)', async () => {
    const r = await send(s.port, '/case', { headers: { 'case-insensitive': 'issue4330', 'Other-Header': 'issue4330' } });
    expect(r.text).toBe('[issue #4330] [issue4330]');
  });
  it('wildcard deletes: prefix, suffix, substring', async () => {
    const r = await send(s.port, '/wild', { headers: { 'X-Secret-A': '1', 'Auth-Token': '2', 'X-Internal-Id': '3', 'X-Keep': '4' } });
    expect(r.text).toBe('[][][][4]');
  });
  it('setting Host changes the request host', async () => {
    expect((await send(s.port, '/host')).text).toBe('example.com 8443 example.com:8443');
    expect((await send(s.port, '/hostmatch')).text).toBe('matched other.test');
  });
  it('values take placeholders', async () => {
    expect((await send(s.port, '/placeholder', { method: 'POST' })).text).toBe('[/placeholder by POST]');
  });
});

describe('response header ops', () => {
  let s: Site;
  const sets = (headers: Record<string, string[]>, status = 200) => respond('body', { status_code: status, headers });
  beforeAll(async () => {
    s = await site([
      { match: [{ path: ['/require-absent'] }], handle: [hdr(undefined, { require: { headers: { 'Cache-Control': null } }, add: { 'Cache-Control': ['no-cache'] } }), respond('x')] },
      { match: [{ path: ['/require-absent-has'] }], handle: [hdr(undefined, { require: { headers: { 'Cache-Control': null } }, set: { 'Cache-Control': ['no-cache'] } }), sets({ 'Cache-Control': ['max-age=60'] })] },
      { match: [{ path: ['/require-value'] }], handle: [hdr(undefined, { require: { headers: { 'Cache-Control': ['no-cache'] } }, delete: ['Cache-Control'] }), sets({ 'Cache-Control': ['no-cache'] })] },
      { match: [{ path: ['/require-5xx'] }], handle: [hdr(undefined, { require: { status_code: [5] }, add: { 'Fail-5xx': ['true'] } }), sets({}, 503)] },
      { match: [{ path: ['/require-5xx-ok'] }], handle: [hdr(undefined, { require: { status_code: [5] }, add: { 'Fail-5xx': ['true'] } }), sets({}, 200)] },
      {
        match: [{ path: ['/json'] }],
        handle: [hdr(undefined, { set: { WithReplace: ['an actual {http.request.method}'], 'Straight-JSON': ['{"foo": "bar"}'], Escaped: ['\\{"foo": "bar"}'] } }), respond('x')],
      },
      { match: [{ path: ['/deferred'] }], handle: [hdr(undefined, { deferred: true, delete: ['Server', 'X-Upstream-*'], set: { 'X-Late': ['late'] } }), sets({ 'X-Upstream-Id': ['7'], 'X-Late': ['early'] })] },
      { match: [{ path: ['/immediate'] }], handle: [hdr(undefined, { set: { 'X-Late': ['late'] } }), sets({ 'X-Late': ['early'] })] },
      { match: [{ path: ['/clear'] }], handle: [hdr(undefined, { deferred: true, delete: ['*'], add: { 'X-Only': ['me'] } }), sets({ 'X-A': ['1'] })] },
      { match: [{ path: ['/replace'] }], handle: [hdr(undefined, { deferred: true, replace: { Location: [{ search_regexp: '^http://internal(:\\d+)?', replace: 'https://example.com' }] } }), sets({ Location: ['http://internal:8080/x'] }, 302)] },
      { match: [{ path: ['/canon'] }], handle: [hdr(undefined, { set: { 'x-lower-case': ['v'] } }), respond('x')] },
      { match: [{ path: ['/error'] }], handle: [hdr(undefined, { deferred: true, set: { 'X-Deferred': ['yes'] } }), { handler: 'error', status_code: 418 }] },
    ]);
  });
  afterAll(() => s?.stop());

  it('?Field: set only when the response has no such field', async () => {
    expect((await send(s.port, '/require-absent')).headers['cache-control']).toBe('no-cache');
    expect((await send(s.port, '/require-absent-has')).headers['cache-control']).toBe('max-age=60');
  });
  it('require on a value, then delete', async () => {
    expect((await send(s.port, '/require-value')).headers['cache-control']).toBeUndefined();
  });
  it('require on a status class', async () => {
    const bad = await send(s.port, '/require-5xx');
    expect(bad.status).toBe(503);
    expect(bad.headers['fail-5xx']).toBe('true');
    expect((await send(s.port, '/require-5xx-ok')).headers['fail-5xx']).toBeUndefined();
  });
  it('placeholders, JSON-looking values and escaped braces', async () => {
    const r = await send(s.port, '/json');
    expect(r.headers.withreplace).toBe('an actual GET');
    expect(r.headers['straight-json']).toBe('{"foo": "bar"}');
    expect(r.headers.escaped).toBe('{"foo": "bar"}');
  });
  it('deferred ops run on the final head: they see and override what later handlers set', async () => {
    const r = await send(s.port, '/deferred');
    expect(r.headers.server).toBeUndefined();
    expect(r.headers['x-upstream-id']).toBeUndefined();
    expect(r.headers['x-late']).toBe('late');
    expect(r.text).toBe('body');
  });
  it('immediate ops are overridden by later handlers', async () => {
    expect((await send(s.port, '/immediate')).headers['x-late']).toBe('early');
  });
  it('delete "*" clears everything first, then adds', async () => {
    const r = await send(s.port, '/clear');
    expect(r.headers['x-a']).toBeUndefined();
    expect(r.headers.server).toBeUndefined();
    expect(r.headers['x-only']).toBe('me');
  });
  it('replace with a regexp (a Location rewrite)', async () => {
    const r = await send(s.port, '/replace');
    expect(r.status).toBe(302);
    expect(r.headers.location).toBe('https://example.com/x');
  });
  it('field names go out in Go\'s canonical form', async () => {
    const r = await send(s.port, '/canon');
    expect(r.rawHeaders).toContain('X-Lower-Case');
  });
  it('deferred ops do not reach an error response (as in Caddy)', async () => {
    const r = await send(s.port, '/error');
    expect(r.status).toBe(418);
    expect(r.headers['x-deferred']).toBeUndefined();
  });
});

describe('headers: config errors', () => {
  it('search and search_regexp together are refused', async () => {
    await expect(site([{ handle: [hdr({ replace: { A: [{ search: 'a', search_regexp: 'b' }] } })] }])).rejects.toThrow(/cannot specify both/);
  });
  it('a bad regexp is refused at load', async () => {
    await expect(site([{ handle: [hdr({ replace: { A: [{ search_regexp: '(' }] } })] }])).rejects.toThrow(/replacement 0 for header field 'A'/);
  });
});
