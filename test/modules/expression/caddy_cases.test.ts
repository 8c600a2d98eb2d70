/**
 * Caddy's own CEL matcher tests (modules/caddyhttp/celmatcher_test.go,
 * matcherTests and TestMatchExpressionProvision), ported row by row: the
 * expressions that load are served by one real server (a route per row,
 * picked by an X-Case header, answering "yes" on a match) with the request
 * Caddy's test builds; the ones Caddy refuses must fail the load here too.
 * Adapted where the test relies on httptest: the remote address is
 * 127.0.0.1 (not 192.0.2.1), and the vars foo=bar that Caddy's test puts
 * in the context come from a vars handler. The rows that need https (the
 * client certificate's subject, protocol('HTTPs')) run on an HTTPS server
 * with mutual TLS; the url_pattern rows with a base_url name an http origin
 * on the plain server (Caddy's name https://example.com, which
 * test/modules/matchers/url_pattern.test.ts covers over TLS).
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { request } from 'node:https';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Runtime } from '../../../src/runtime/runtime.js';
import { respond, send, site, type Site } from '../../support/client.js';
import { freePort } from '../../support/net.js';

/** [Caddy's test name, expression, path, headers, method, want match]. */
type Row = [string, string, string, Record<string, string | string[]>, string, boolean];

const rows: Row[] = [
  ['header matches (MatchHeader)', "header({'Field': 'foo'})", '/foo', { Field: ['foo', 'bar'] }, 'GET', true],
  ['header matches an escaped placeholder value (MatchHeader)', "header({'Field': '\\\\\\{foobar}'})", '/foo', { Field: '{foobar}' }, 'GET', true],
  ['header matches a placeholder replaced during the header matcher (MatchHeader)', "header({'Field': '\\{http.request.uri.path}'})", '/foo', { Field: '/foo' }, 'GET', true],
  ['header_regexp matches (MatchHeaderRE)', "header_regexp('Field', 'fo{2}')", '/foo', { Field: ['foo', 'bar'] }, 'GET', true],
  ['header_regexp matches with name (MatchHeaderRE)', "header_regexp('foo', 'Field', 'fo{2}')", '/foo', { Field: ['foo', 'bar'] }, 'GET', true],
  ['header_regexp does not match (MatchHeaderRE)', "header_regexp('foo', 'Nope', 'fo{2}')", '/foo', { Field: ['foo', 'bar'] }, 'GET', false],
  ['host matches localhost (MatchHost)', "host('localhost')", '/', { Host: 'localhost' }, 'GET', true],
  ['host matches (MatchHost)', "host('*.example.com')", '/', { Host: 'foo.example.com' }, 'GET', true],
  ['host does not match (MatchHost)', "host('example.net', '*.example.com')", '/', { Host: 'foo.example.org' }, 'GET', false],
  ['method does not match (MatchMethod)', "method('PUT')", '/', { Host: 'foo.example.com' }, 'GET', false],
  ['method matches (MatchMethod)', "method('DELETE', 'PUT', 'POST')", '/', { Host: 'foo.example.com' }, 'PUT', true],
  ['path matches substring (MatchPath)', "path('*substring*')", '/foo/substring/bar.txt', {}, 'GET', true],
  ['path does not match (MatchPath)', "path('/foo')", '/foo/bar', {}, 'GET', false],
  ['path matches end url fragment (MatchPath)', "path('/foo')", '/FOO', {}, 'GET', true],
  ['path matches end fragment with substring prefix (MatchPath)', "path('/foo*')", '/FOOOOO', {}, 'GET', true],
  ['path matches one of multiple (MatchPath)', "path('/foo', '/foo/*', '/bar', '/bar/*', '/baz', '/baz*')", '/foo', {}, 'GET', true],
  ['path_regexp with empty regex matches empty path (MatchPathRE)', "path_regexp('')", '/', {}, 'GET', true],
  ['path_regexp with slash regex matches empty path (MatchPathRE)', "path_regexp('/')", '/', {}, 'GET', true],
  ['path_regexp matches end url fragment (MatchPathRE)', "path_regexp('^/foo')", '/foo/', {}, 'GET', true],
  ['path_regexp does not match fragment at end (MatchPathRE)', "path_regexp('bar_at_start', '^/bar')", '/foo/bar', {}, 'GET', false],
  // Caddy's rows use https and 'HTTPs'; the server here speaks http, so the same case-insensitive test on http.
  ['protocol matches (MatchProtocol), on http', "protocol('HTTP')", '/', {}, 'GET', true],
  ['protocol does not match (MatchProtocol), on http', "protocol('grpc')", '/', {}, 'GET', false],
  ['query does not match against a specific value (MatchQuery)', 'query({"debug": "1"})', '/foo', {}, 'GET', false],
  ['query matches against a specific value (MatchQuery)', 'query({"debug": "1"})', '/foo/?debug=1', {}, 'GET', true],
  ['query matches against multiple values (MatchQuery)', 'query({"debug": ["0", "1", {http.request.uri.query.debug}+"1"]})', '/foo/?debug=1', {}, 'GET', true],
  ['query matches against a wildcard (MatchQuery)', 'query({"debug": ["*"]})', '/foo/?debug=something', {}, 'GET', true],
  ['query matches against a placeholder value (MatchQuery)', 'query({"debug": {http.request.uri.query.debug}})', '/foo/?debug=1', {}, 'GET', true],
  ['remote_ip single IP match (MatchRemoteIP)', "remote_ip('127.0.0.1')", '/foo', {}, 'GET', true],
  ['vars value (VarsMatcher)', "vars({'foo': 'bar'})", '/foo', {}, 'GET', true],
  ['vars matches placeholder, needs escape (VarsMatcher)', "vars({'\\{http.request.uri.path}': '/foo'})", '/foo', {}, 'GET', true],
  ['vars_regexp value (MatchVarsRE)', "vars_regexp('foo', 'ba?r')", '/foo', {}, 'GET', true],
  ['vars_regexp value with name (MatchVarsRE)', "vars_regexp('name', 'foo', 'ba?r')", '/foo', {}, 'GET', true],
  ['vars_regexp matches placeholder, needs escape (MatchVarsRE)', "vars_regexp('\\{http.request.uri.path}', '/fo?o')", '/foo', {}, 'GET', true],
  ['url_pattern matches named group (MatchURLPattern)', "url_pattern('/books/:id')", '/books/123', { Host: 'example.com' }, 'GET', true],
  ['url_pattern does not match (MatchURLPattern)', "url_pattern('/books/:id')", '/movies/123', { Host: 'example.com' }, 'GET', false],
  ['url_pattern with base_url matches host (MatchURLPattern), on http', "url_pattern('/foo', 'http://example.com')", '/foo', { Host: 'example.com' }, 'GET', true],
  ['url_pattern with base_url rejects other host (MatchURLPattern), on http', "url_pattern('/foo', 'http://example.com')", '/foo', { Host: 'other.com' }, 'GET', false],
  // TestMatchExpressionProvision's loading case.
  ['boolean matches succeed (provision)', "{http.request.uri.query} != ''", '/?a=1', {}, 'GET', true],
];

/** Caddy's wantErr rows and TestMatchExpressionProvision's refusal: [name, expression, message]. */
const refused: [string, string, string][] = [
  ['header error, invalid escape sequence (MatchHeader)', "header({'Field': '\\\\{foobar}'})", 'Syntax error'],
  ['header error, needs to be JSON syntax with field as key (MatchHeader)', "header('foo')", 'matcher requires a map literal argument'],
  ['header_regexp error (MatchHeaderRE)', "header_regexp('foo')", "found no matching overload for 'header_regexp(string)'"],
  ['host error (MatchHost)', 'host(80)', 'matcher arguments must be string constants'],
  ['method error not enough arguments (MatchMethod)', 'method()', 'matcher requires at least one argument'],
  ['protocol invocation error no args (MatchProtocol)', 'protocol()', 'matcher requires at least one argument'],
  ['protocol invocation error too many args (MatchProtocol)', "protocol('grpc', 'https')", "found no matching overload for 'protocol(string, string)'"],
  ['protocol invocation error wrong arg type (MatchProtocol)', 'protocol(true)', 'matcher argument must be a string literal'],
  ['query error bad map key type (MatchQuery)', 'query({1: "1"})', 'matcher map keys must be string literals'],
  ['query error typed struct instead of map (MatchQuery)', 'query(Message{field: "1"})', 'compiling CEL program: ERROR: <input>:1:'],
  ['query error bad map value type (MatchQuery)', 'query({"debug": 1})', 'matcher map values must be string or list literals'],
  ['query error no args (MatchQuery)', 'query()', 'matcher requires at least one argument'],
  ['remote_ip error no args (MatchRemoteIP)', 'remote_ip()', 'matcher requires at least one argument'],
  ['vars error wrong syntax (VarsMatcher)', "vars('foo', 'bar')", "found no matching overload for 'vars(string, string)'"],
  ['vars error no args (VarsMatcher)', 'vars()', 'matcher requires at least one argument'],
  ['vars_regexp error no args (MatchVarsRE)', 'vars_regexp()', 'matcher requires at least one argument'],
  ['reject expressions with non-boolean results (provision)', '{http.request.uri.query}', 'CEL request matcher expects return type of bool, not dyn'],
];

let s: Site;
const caseIds = new Map<string, string>();
beforeAll(async () => {
  const routes = rows.map(([name, expression], i) => {
    caseIds.set(name, String(i));
    return { match: [{ header: { 'X-Case': [String(i)] }, expression }], handle: [respond('yes')], terminal: true };
  });
  // Caddy's test runs with the vars foo=bar in the request context.
  s = await site([{ handle: [{ handler: 'vars', foo: 'bar' }] }, ...routes, { handle: [respond('no')] }]);
});
afterAll(() => s.stop());

describe("Caddy's celmatcher_test.go cases on real requests", () => {
  it.each(rows.map((r) => [r[0], r] as const))('%s', async (_name, row) => {
    const [name, , path, headers, method, want] = row;
    const r = await send(s.port, path, { method, headers: { ...headers, 'X-Case': caseIds.get(name)! } });
    expect(r.status).toBe(200);
    expect(r.text).toBe(want ? 'yes' : 'no');
  });
});

describe("Caddy's refused expressions fail the load", () => {
  it.each(refused)('%s', async (_name, expression, message) => {
    let error = 'loaded';
    try {
      const bad = await site([{ match: [{ expression }], handle: [respond('x')] }]);
      await bad.stop();
    } catch (err) {
      error = (err as Error).message;
    }
    expect(error).toContain('provision http.matchers.expression: ');
    expect(error).toContain(message);
  });

  it("url_pattern() with a pattern URLPattern cannot parse fails the load with the matcher's message", async () => {
    await expect(site([{ match: [{ expression: "url_pattern('https://[invalid')" }], handle: [respond('x')] }])).rejects.toThrow(/unable to parse URL pattern: "https:\/\/\[invalid"/);
  });
});

describe('url_pattern() beyond the table', () => {
  it('sets the groups as placeholders, as the matcher does', async () => {
    const s2 = await site([{ match: [{ expression: "url_pattern('/books/:id') && method('GET')" }], handle: [respond('book {http.url_pattern.pathname.id}')] }]);
    try {
      expect((await send(s2.port, '/books/42')).text).toBe('book 42');
    } finally {
      await s2.stop();
    }
  });
});

describe("Caddy's rows that need https, on a server with mutual TLS", () => {
  let dir = '';
  let port = 0;
  let runtime: Runtime;
  const tlsRows: [string, string, boolean][] = [
    ['boolean matches succeed for placeholder http.request.tls.client.subject', "{http.request.tls.client.subject} == 'CN=client.localdomain'", true],
    ['protocol matches (MatchProtocol)', "protocol('HTTPs')", true],
    ['protocol does not match (MatchProtocol)', "protocol('grpc')", false],
  ];

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'tsweb-cel-tls-'));
    const ssl = (...args: string[]) => execFileSync('openssl', args, { cwd: dir, stdio: 'pipe' });
    const ec = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes'];
    ssl('req', '-x509', ...ec, '-keyout', 'server.key', '-out', 'server.crt', '-days', '1', '-subj', '/CN=localhost', '-addext', 'subjectAltName=DNS:localhost');
    ssl('req', '-x509', ...ec, '-keyout', 'ca.key', '-out', 'ca.crt', '-days', '1', '-subj', '/CN=client ca');
    // The subject of Caddy's test certificate.
    ssl('req', ...ec, '-keyout', 'client.key', '-out', 'client.csr', '-subj', '/CN=client.localdomain');
    ssl('x509', '-req', '-in', 'client.csr', '-CA', 'ca.crt', '-CAkey', 'ca.key', '-CAcreateserial', '-out', 'client.crt', '-days', '1');
    port = await freePort();
    runtime = new Runtime({ env: { ...process.env, XDG_DATA_HOME: join(dir, 'data') } });
    const ca = readFileSync(join(dir, 'ca.crt')).toString().replace(/-----[A-Z ]+-----|\s/g, '');
    const routes = tlsRows.map(([, expression], i) => ({ match: [{ header: { 'X-Case': [String(i)] }, expression }], handle: [respond('yes')], terminal: true }));
    await runtime.load({
      admin: { disabled: true },
      apps: {
        tls: { certificates: { load_files: [{ certificate: join(dir, 'server.crt'), key: join(dir, 'server.key') }] } },
        http: {
          http_port: await freePort(),
          https_port: port,
          servers: {
            s: {
              listen: [`127.0.0.1:${port}`],
              routes: [...routes, { handle: [respond('no')] }],
              tls_connection_policies: [{ client_authentication: { ca: { provider: 'inline', trusted_ca_certs: [ca] }, mode: 'require_and_verify' } }],
            },
          },
        },
      },
    });
  });
  afterAll(async () => {
    await runtime?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  const get = (id: number) =>
    new Promise<string>((resolve, reject) => {
      const options = { host: '127.0.0.1', port, servername: 'localhost', headers: { host: 'localhost', 'X-Case': String(id) }, agent: false as const };
      const tls = { ca: readFileSync(join(dir, 'server.crt')), cert: readFileSync(join(dir, 'client.crt')), key: readFileSync(join(dir, 'client.key')) };
      const req = request({ ...options, ...tls }, (res) => {
        let body = '';
        res.on('data', (c: Buffer) => (body += c.toString()));
        res.on('end', () => resolve(body));
      });
      req.on('error', reject);
      req.end();
    });

  it.each(tlsRows.map((r, i) => [r[0], i, r[2]] as const))('%s', async (_name, id, want) => {
    expect(await get(id)).toBe(want ? 'yes' : 'no');
  });
});
