/**
 * Caddy's CEL matcher functions and placeholders, each on real requests
 * through the engine: one server, one route per case (selected by an
 * X-Case header), answering "yes" when the expression matches.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { respond, send, site, type Site } from '../../support/client.js';

/** [case, expression JSON, request path, request headers, method, expected]. */
type Row = [string, unknown, string, Record<string, string>, string, boolean];

const rows: Row[] = [
  ['path', "path('/a*', '/b')", '/a/x', {}, 'GET', true],
  ['path', "path('/a*', '/b')", '/B', {}, 'GET', true],
  ['path', "path('/a*', '/b')", '/c', {}, 'GET', false],
  ['placeholder', '{http.request.uri.path}.startsWith("/api") && method("POST")', '/api/x', {}, 'POST', true],
  ['placeholder', '{http.request.uri.path}.startsWith("/api") && method("POST")', '/api/x', {}, 'GET', false],
  ['placeholder', '{http.request.uri.path}.startsWith("/api") && method("POST")', '/web', {}, 'POST', false],
  ['escaped', '"\\{http.request.uri.path}" == "{" + "http.request.uri.path}"', '/', {}, 'GET', true],
  ['host', "host('example.com', '*.example.org')", '/', { Host: 'a.example.org' }, 'GET', true],
  ['host', "host('example.com', '*.example.org')", '/', { Host: 'example.net' }, 'GET', false],
  ['method', "method('PUT', 'DELETE')", '/', {}, 'DELETE', true],
  ['method', "method('PUT', 'DELETE')", '/', {}, 'GET', false],
  ['header', "header({'X-Foo': ['bar', 'baz*'], 'X-Bar': 'q'})", '/', { 'X-Foo': 'bazooka', 'X-Bar': 'q' }, 'GET', true],
  ['header', "header({'X-Foo': ['bar', 'baz*'], 'X-Bar': 'q'})", '/', { 'X-Foo': 'bar' }, 'GET', false],
  ['header_regexp', "header_regexp('X-Foo', '^ba[rz]$')", '/', { 'X-Foo': 'baz' }, 'GET', true],
  ['header_regexp', "header_regexp('X-Foo', '^ba[rz]$')", '/', { 'X-Foo': 'bat' }, 'GET', false],
  ['query', "query({'q': 'x', 'p': ['1', '2']})", '/?q=x&p=2', {}, 'GET', true],
  ['query', "query({'q': 'x', 'p': ['1', '2']})", '/?q=x&p=3', {}, 'GET', false],
  ['protocol', "protocol('http') && !protocol('https')", '/', {}, 'GET', true],
  ['remote_ip', "remote_ip('127.0.0.0/8', '::1')", '/', {}, 'GET', true],
  ['remote_ip', "remote_ip('10.0.0.0/8')", '/', {}, 'GET', false],
  ['client_ip', "client_ip('127.0.0.1/32')", '/', {}, 'GET', true],
  ['client_ip', "client_ip('192.168.0.0/16')", '/', {}, 'GET', false],
  ['not', "!path('/private/*')", '/private/x', {}, 'GET', false],
  ['not', "!path('/private/*')", '/public', {}, 'GET', true],
  ['concat', "path('/a' + '/b')", '/a/b', {}, 'GET', true],
  // Arguments read from the request: provisioned per distinct value.
  ['dynamic', 'path({http.request.header.X-Path})', '/dyn', { 'X-Path': '/dyn' }, 'GET', true],
  ['dynamic', 'path({http.request.header.X-Path})', '/dyn', { 'X-Path': '/other' }, 'GET', false],
  ['dynamic', "header({'X-A': {http.request.header.X-B}})", '/', { 'X-A': 'same', 'X-B': 'same' }, 'GET', true],
  ['dynamic', "header({'X-A': {http.request.header.X-B}})", '/', { 'X-A': 'one', 'X-B': 'two' }, 'GET', false],
  // Standard CEL over placeholder values.
  ['std', '{http.request.header.X-Num}.size() > 3 && int({http.request.uri.query.n}) >= 5', '/?n=7', { 'X-Num': 'four' }, 'GET', true],
  ['std', '{http.request.header.X-Num}.size() > 3 && int({http.request.uri.query.n}) >= 5', '/?n=2', { 'X-Num': 'four' }, 'GET', false],
  ['std', '{http.request.uri.path}.matches("^/v[0-9]+/") && {http.request.method} in ["GET", "HEAD"]', '/v2/x', {}, 'GET', true],
  // .matches runs RE2 as cel-go does: a backtracking pattern against a hostile path answers at once (V8's RegExp took ~40 s here).
  ['re2', '{http.request.uri.path}.matches("^/(a+)+$")', '/' + 'a'.repeat(40) + '!', {}, 'GET', false],
  ['re2', '{http.request.uri.path}.matches("^/(a+)+$")', '/aaaa', {}, 'GET', true],
  ['re2', '"x.matches(" == "x" + ".matches("', '/', {}, 'GET', true],
  ['replace', '{http.request.uri.path}.replace("/", "-") == "-a-b" && "aaa".replace("a", "b", 2) == "bba"', '/a/b', {}, 'GET', true],
  // file() with no argument tries the request path under the working directory (no root set here).
  ['file', 'file()', '/package.json', {}, 'GET', true],
  ['file', 'file()', '/no-such-file.json', {}, 'GET', false],
  // Text inside string literals is never taken for a call.
  ['strings', '"path()" == "pa" + "th()"', '/', {}, 'GET', true],
  ['absent', '{http.request.header.X-None} == ""', '/', {}, 'GET', true],
  // The `{expr, name}` form (newer Caddy's JSON for a named Caddyfile matcher).
  ['object', { expr: "path('/o')", name: 'o' }, '/o', {}, 'GET', true],
];

let s: Site;
beforeAll(async () => {
  const cases = [...new Set(rows.map((r) => JSON.stringify([r[0], r[1]])))];
  const routes = cases.map((c, i) => {
    const [, expression] = JSON.parse(c) as [string, unknown];
    return { match: [{ header: { 'X-Case': [String(i)] }, expression }], handle: [respond('yes')], terminal: true };
  });
  s = await site([...routes, { handle: [respond('no')] }]);
  caseIds = new Map(cases.map((c, i) => [c, String(i)]));
});
afterAll(() => s.stop());

let caseIds = new Map<string, string>();

describe('CEL functions on real requests', () => {
  it.each(rows.map((r) => [`${r[0]}: ${JSON.stringify(r[1])} ${r[4]} ${r[2]} ${JSON.stringify(r[3])}`, r] as const))('%s', async (_label, row) => {
    const [name, expression, path, headers, method, want] = row;
    const id = caseIds.get(JSON.stringify([name, expression]))!;
    const r = await send(s.port, path, { method, headers: { ...headers, 'X-Case': id } });
    expect(r.status).toBe(200);
    expect(r.text).toBe(want ? 'yes' : 'no');
  });
});
