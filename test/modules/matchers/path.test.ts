/**
 * The path matcher against real requests (raw request lines, so the server
 * sees exactly the path we write). Rows from Caddy's matchers_test.go
 * (TestPathMatcher), and rows whose verdicts were taken from the real Caddy
 * 2.6.2 on the same pattern and request.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { matcher, mismatches, raw, startServer, type TestServer } from '../../support/harness.js';

let ts: TestServer;
beforeAll(async () => {
  ts = await startServer();
});
afterAll(() => ts.close());

type Row = readonly [patterns: string[], target: string, expect: boolean];

// modules/caddyhttp/matchers_test.go TestPathMatcher
const caddyTable: Row[] = [
  [[], '/', false],
  [['/'], '/', true],
  [['/foo/bar'], '/', false],
  [['/foo/bar'], '/foo/bar', true],
  [['/foo/bar/'], '/foo/bar', false],
  [['/foo/bar/'], '/foo/bar/', true],
  [['/foo/bar/', '/other'], '/other/', false],
  [['/foo/bar/', '/other'], '/other', true],
  [['*.ext'], '/foo/bar.ext', true],
  [['*.php'], '/index.PHP', true],
  [['/foo/*/baz'], '/foo/bar/baz', true],
  [['/foo/*/baz/bam'], '/foo/bar/bam', false],
  [['*substring*'], '/foo/substring/bar.txt', true],
  [['/foo'], '/foo/bar', false],
  [['/foo'], '/FOO', true],
  [['/foo*'], '/FOOOO', true],
  [['/foo/bar.txt'], '/foo/BAR.txt', true],
  [['*'], '/', true],
  [['*'], '/foo/bar', true],
  [['**'], '/', true],
  [['**'], '/foo/bar', true],
  // escape sequences (newer Caddy's table)
  [['/foo%2Fbar'], '/foo%2Fbar', true],
  [['/foo%2Fbar'], '/foo/bar', false],
  [['/foo/bar'], '/foo%2Fbar', true],
  [['/%25@.txt'], '/%25@.txt', true],
];

// Verdicts of Caddy 2.6.2 (caddy run, same pattern, same raw request line).
const fromCaddy: Row[] = [
  [['/foo%2Fbar'], '/foo%2fbar', true],
  // In escaped space only escape sequences compare case-insensitively.
  [['/Foo%2Fbar'], '/Foo%2Fbar', false],
  [['/foo%2Fbar'], '/FOO%2Fbar', false],
  [['/bands/*/*'], '/bands/AC%2FDC/T.N.T', false],
  [['/bands/%*/%*'], '/bands/AC%2FDC/T.N.T', true],
  [['/bands/%*'], '/bands/AC%2FDC', true],
  [['/bands/*'], '/bands/AC%2FDC', true],
  [['/foo'], '//foo', true],
  [['/foo'], '/foo/../foo', true],
  [['/foo'], '/foo/', false],
  [['//foo'], '//foo', true],
  [['//foo'], '/foo', false],
  [['/foo*'], '/foo/../bar', false],
  [['/foo*'], '/foobar', true],
  [['*.php'], '/index.php/', false],
  [['/a/*/c'], '/a/b/c', true],
  [['/a/*/c'], '/a/b/d/c', false],
  [['/foo%2Fbar'], '/foo%2F%62ar', true],
  [['/api/*'], '/api', false],
  [['/api/*'], '/api/', true],
  [['/api/*'], '/API/x', true],
  [['*/bar/*'], '/foo/bar/baz', true],
  [['/foo/*/bar'], '/foo//bar', false],
  [['/x['], '/x[', false],
  [['/é'], '/%C3%A9', true],
  [['/a b'], '/a%20b', true],
  [['/a%20b'], '/a%20b', true],
  [['/foo/bar'], '/foo/./bar', true],
  [['/foo/bar/'], '/foo/bar//', true],
  [['/x/*'], '/x/../../etc', false],
  [['*'], '/anything', true],
  [['/a%2F*'], '/a%2Fb/c', false],
  [['/a%2F*'], '/a/b', false],
];

async function check(rows: Row[]): Promise<string[]> {
  const bad: string[] = [];
  for (const [patterns, target, want] of rows) {
    bad.push(...(await mismatches(ts, matcher('path', patterns), [[target, want]])).map((m) => `${JSON.stringify(patterns)} ${m}`));
  }
  return bad;
}

describe('path matcher', () => {
  it("agrees with Caddy's own test table", async () => {
    expect(await check(caddyTable)).toEqual([]);
  });

  it('agrees with the real Caddy on cleaning, globs, case and escape sequences', async () => {
    expect(await check(fromCaddy)).toEqual([]);
  });

  it('traversal attempts cannot reach a protected prefix match from outside it, nor escape it', async () => {
    const m = matcher('path', ['/admin/*']);
    const rows = [
      ['/public/../admin/x', true],
      ['/admin/../public/x', false],
      ['//admin//x', true],
      ['/ADMIN/x', true],
      ['/%61dmin/x', true],
      ['/admin%2Fx', true],
    ] as const;
    expect(await mismatches(ts, m, rows)).toEqual([]);
  });

  it('expands placeholders in patterns per request', async () => {
    const m = matcher('path', ['/users/{http.request.header.x-user}']);
    expect(await mismatches(ts, m, [
      ['/users/bob', true, { 'X-User': 'bob' }],
      ['/users/bob', false, { 'X-User': 'alice' }],
      ['/users/BOB', true, { 'X-User': 'bob' }],
    ])).toEqual([]);
  });

  it('a list matches when any pattern does', async () => {
    const m = matcher('path', ['/a', '*.css', '/b/*']);
    expect(await mismatches(ts, m, [['/a', true], ['/x/y.css', true], ['/b/c', true], ['/c', false]])).toEqual([]);
  });

  it('rejects a config that is not a list of strings', () => {
    expect(() => matcher('path', '/foo')).toThrow(/cannot unmarshal string/);
  });

  it('a request with a malformed escape never reaches the matcher (400, as Go answers)', async () => {
    ts.handle = () => true;
    expect((await raw(ts.port, '/%zz')).status).toBe(400);
  });
});
