/**
 * Caddy's Replacer: template parsing (escapes, unclosed braces, unknown
 * placeholders in the three modes; rows from caddy's replacer_test.go) and
 * every request/global placeholder on real requests, compared with what
 * the real Caddy 2.6.2 printed for the same request where it has the key.
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { compileTemplate, newReplacer, replaceAll, replaceKnown } from '../../src/core/replacer.js';
import { HandlerError } from '../../src/core/types.js';
import { raw, rawJSON, startServer, type TestServer } from '../support/harness.js';

describe('compileTemplate: parsing as Caddy replaces', () => {
  // replacer_test.go TestReplacer: ReplaceAll with a replacer that knows nothing.
  const rows: Array<[input: string, expect: string, empty?: string]> = [
    ['{', '{'],
    ['\\{', '{'],
    ['foo{', 'foo{'],
    ['foo\\{', 'foo{'],
    ['foo{bar', 'foo{bar'],
    ['foo\\{bar', 'foo{bar'],
    ['foo{bar}', 'foo'],
    ['foo\\{bar\\}', 'foo{bar}'],
    ['}', '}'],
    ['\\}', '}'],
    ['{}', ''],
    ['\\{\\}', '{}'],
    ['{"json": "object"}', ''],
    ['\\{"json": "object"}', '{"json": "object"}'],
    ['\\{"json": "object"\\}', '{"json": "object"}'],
    ['\\{"json": "object{bar}"\\}', '{"json": "object"}'],
    ['\\{"json": \\{"nested": "object"\\}\\}', '{"json": {"nested": "object"}}'],
    ['\\{"json": \\{"nested": "{bar}"\\}\\}', '{"json": {"nested": ""}}'],
    ['pre \\{"json": \\{"nested": "{bar}"\\}\\}', 'pre {"json": {"nested": ""}}'],
    ['\\{"json": \\{"nested": "{bar}"\\}\\} post', '{"json": {"nested": ""}} post'],
    ['pre \\{"json": \\{"nested": "{bar}"\\}\\} post', 'pre {"json": {"nested": ""}} post'],
    ['{{', '{{'],
    ['{{}', ''],
    ['{"json": "object"\\}', ''],
    ['{unknown}', '-', '-'],
    ['back\\slashed', 'back\\slashed'],
    ['double back\\\\slashed', 'double back\\\\slashed'],
    ['placeholder {with \\{ brace} in name', 'placeholder  in name'],
    ['placeholder {with \\} brace} in name', 'placeholder  in name'],
    ['placeholder {with \\} \\} braces} in name', 'placeholder  in name'],
    [
      "\\{'group':'default','max_age':3600,'endpoints':[\\{'url':'https://some.domain.local/a/d/g'\\}],'include_subdomains':true\\}",
      "{'group':'default','max_age':3600,'endpoints':[{'url':'https://some.domain.local/a/d/g'}],'include_subdomains':true}",
    ],
    ['{}{}{}{\\\\\\\\}\\\\\\\\', '{\\\\\\}\\\\\\\\'],
  ];
  it.each(rows)('ReplaceAll %j → %j', (input, want, empty) => {
    expect(compileTemplate(input, 'empty', { empty })(newReplacer())).toBe(want);
  });

  it('keeps unknown placeholders as written in keep mode (ReplaceKnown), even nested ones', () => {
    const r = newReplacer();
    r.set('test1', 'val1');
    r.set('asdf', '123');
    r.set('empty_value', '');
    const t = (s: string) => compileTemplate(s, 'keep')(r);
    expect(t('{')).toBe('{');
    expect(t('{test1}')).toBe('val1');
    expect(t('{test1}{asdf}')).toBe('val1123');
    expect(t('{test1}{unknown}{asdf}')).toBe('val1{unknown}123');
    expect(t('{empty_value}')).toBe('');
    expect(t('{test1}{empty_value}{test1}')).toBe('val1val1');
    expect(t('{unknown}')).toBe('{unknown}');
    expect(t('{unknown} {test1}')).toBe('{unknown} val1');
    // Caddy rescans after the brace of an unknown key: the inner one is replaced.
    expect(t('{foo{test1}}')).toBe('{fooval1}');
    expect(compileTemplate('{foo{test1}}', 'empty')(r)).toBe('}');
  });

  it('error mode names the unknown placeholder with a 500', () => {
    const t = compileTemplate('a{nope}b', 'error');
    let err: unknown;
    try {
      t(newReplacer());
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(HandlerError);
    expect((err as HandlerError).status).toBe(500);
    expect((err as HandlerError).message).toBe('unrecognized placeholder {nope}');
  });

  it('a template without placeholders is its constant; set values win over computed ones', () => {
    expect(compileTemplate('plain text', 'error')(newReplacer())).toBe('plain text');
    const r = newReplacer();
    r.set('x', 1.5);
    r.set('b', true);
    expect(replaceAll(r, '{x}/{b}')).toBe('1.5/true');
    r.delete('x');
    expect(replaceKnown(r, '{x}/{b}')).toBe('{x}/true');
  });

  it('global placeholders: env, system, time, file', () => {
    process.env.TSWEB_TEST_VAR = 'hello';
    const dir = mkdtempSync(join(tmpdir(), 'tsweb-repl-'));
    writeFileSync(join(dir, 'secret.txt'), 'line\r\n');
    const r = newReplacer();
    const t = (s: string) => replaceAll(r, s);
    expect(t('{env.TSWEB_TEST_VAR}|{env.TSWEB_NOT_SET}')).toBe('hello|');
    expect(t('{system.hostname}')).toBe(hostname());
    expect(t('{system.slash}')).toBe('/');
    expect(t('{system.os}/{system.arch}')).toMatch(/^(linux|darwin|windows|freebsd)\/(amd64|arm64|386|arm|ppc64le|s390x|riscv64)$/);
    expect(t('{system.wd}')).toBe(process.cwd());
    expect(t('{time.now.year}')).toBe(String(new Date().getFullYear()));
    expect(Math.abs(Number(t('{time.now.unix}')) - Date.now() / 1000)).toBeLessThan(5);
    expect(Math.abs(Number(t('{time.now.unix_ms}')) - Date.now())).toBeLessThan(5000);
    expect(t('{time.now.http}')).toMatch(/^[A-Z][a-z]{2}, \d\d [A-Z][a-z]{2} \d{4} \d\d:\d\d:\d\d GMT$/);
    expect(t('{time.now.common_log}')).toMatch(/^\d\d\/[A-Z][a-z]{2}\/\d{4}:\d\d:\d\d:\d\d [+-]\d{4}$/);
    // Go's time.Time String(): "2026-11-24 21:17:15.062 +0000 UTC m=+1.506117952"
    expect(t('{time.now}')).toMatch(/^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d(\.\d+)? [+-]\d{4} \S+ m=\+\d+\.\d{9}$/);
    expect(t(`{file.${join(dir, 'secret.txt')}}`)).toBe('line');
    expect(replaceKnown(r, `[{file.${join(dir, 'missing')}}]`)).toBe('[]');
  });
});

describe('request placeholders on real requests', () => {
  let ts: TestServer;
  const keys = [
    'http.request.method', 'http.request.scheme', 'http.request.proto', 'http.request.host', 'http.request.port',
    'http.request.hostport', 'http.request.remote', 'http.request.remote.host', 'http.request.remote.port',
    'http.request.local', 'http.request.local.host', 'http.request.local.port',
    'http.request.uri', 'http.request.uri_escaped', 'http.request.uri.path', 'http.request.uri.path_escaped',
    'http.request.uri.path.0', 'http.request.uri.path.1', 'http.request.uri.path.9', 'http.request.uri.path.-1',
    'http.request.uri.path.file', 'http.request.uri.path.dir', 'http.request.uri.path.file.base', 'http.request.uri.path.file.ext',
    'http.request.uri.query', 'http.request.uri.query_escaped', 'http.request.uri.query.a', 'http.request.uri.query.b',
    'http.request.uri.query.zz', 'http.request.uri.prefixed_query',
    'http.request.orig_method', 'http.request.orig_uri', 'http.request.orig_uri.path', 'http.request.orig_uri.path.file',
    'http.request.orig_uri.path.dir', 'http.request.orig_uri.query', 'http.request.orig_uri.prefixed_query',
    'http.request.header.x-a', 'http.request.header.X-A', 'http.request.header.Host', 'http.request.header.missing',
    'http.request.cookie.c', 'http.request.cookie.C', 'http.request.cookie.q', 'http.request.cookie.none',
    'http.request.host.labels.0', 'http.request.host.labels.1', 'http.request.host.labels.5',
    'http.request.tls.version', 'http.vars.client_ip', 'http.vars.trusted_proxy', 'http.vars.nope',
    'http.request.remote.host/24', 'http.error.status_code', 'http.shutting_down', 'unknown.thing',
  ];
  beforeAll(async () => {
    ts = await startServer((ctx) => {
      const out: Record<string, string> = {};
      for (const k of keys) out[k] = compileTemplate(`{${k}}`, 'keep')(ctx.repl);
      out.uuid1 = ctx.repl.get('http.request.uuid') as string;
      out.uuid2 = compileTemplate('{http.request.uuid}')(ctx.repl);
      out.duration = compileTemplate('{http.request.duration}')(ctx.repl);
      out.duration_ms = compileTemplate('{http.request.duration_ms}')(ctx.repl);
      return out;
    });
  });
  afterAll(() => ts.close());

  it('matches what Caddy 2.6.2 prints for the same request', async () => {
    const got = (await rawJSON(
      ts.port,
      '/Foo/Bar.baz.TXT/?a=1&a=2&b=%20x',
      { 'X-A': ['1', '2'], Cookie: 'c=v; d=w; q="quoted"' },
      { host: `127.0.0.1:${ts.port}` },
    )) as Record<string, string>;
    const p = String(ts.port);
    const expected: Record<string, string> = {
      'http.request.method': 'GET',
      'http.request.scheme': 'http',
      'http.request.proto': 'HTTP/1.1',
      'http.request.host': '127.0.0.1',
      'http.request.port': p,
      'http.request.hostport': `127.0.0.1:${p}`,
      'http.request.local': `127.0.0.1:${p}`,
      'http.request.local.host': '127.0.0.1',
      'http.request.local.port': p,
      'http.request.uri': '/Foo/Bar.baz.TXT/?a=1&a=2&b=%20x',
      'http.request.uri_escaped': '%2FFoo%2FBar.baz.TXT%2F%3Fa%3D1%26a%3D2%26b%3D%2520x',
      'http.request.uri.path': '/Foo/Bar.baz.TXT/',
      'http.request.uri.path_escaped': '%2FFoo%2FBar.baz.TXT%2F',
      'http.request.uri.path.0': 'Foo',
      'http.request.uri.path.1': 'Bar.baz.TXT',
      'http.request.uri.path.9': '',
      'http.request.uri.path.-1': '{http.request.uri.path.-1}',
      'http.request.uri.path.file': '',
      'http.request.uri.path.dir': '/Foo/Bar.baz.TXT/',
      'http.request.uri.path.file.base': 'Bar.baz.TXT',
      'http.request.uri.path.file.ext': '',
      'http.request.uri.query': 'a=1&a=2&b=%20x',
      'http.request.uri.query_escaped': 'a%3D1%26a%3D2%26b%3D%2520x',
      'http.request.uri.query.a': '1,2',
      'http.request.uri.query.b': ' x',
      'http.request.uri.query.zz': '',
      'http.request.uri.prefixed_query': '?a=1&a=2&b=%20x',
      'http.request.orig_method': 'GET',
      'http.request.orig_uri': '/Foo/Bar.baz.TXT/?a=1&a=2&b=%20x',
      'http.request.orig_uri.path': '/Foo/Bar.baz.TXT/',
      'http.request.orig_uri.path.file': '',
      'http.request.orig_uri.path.dir': '/Foo/Bar.baz.TXT/',
      'http.request.orig_uri.query': 'a=1&a=2&b=%20x',
      'http.request.orig_uri.prefixed_query': '?a=1&a=2&b=%20x',
      'http.request.header.x-a': '1,2',
      'http.request.header.X-A': '1,2',
      // Go keeps Host out of the header map.
      'http.request.header.Host': '',
      'http.request.header.missing': '',
      'http.request.cookie.c': 'v',
      'http.request.cookie.C': 'v',
      'http.request.cookie.q': 'quoted',
      // A cookie that is not there is an unknown placeholder in Caddy.
      'http.request.cookie.none': '{http.request.cookie.none}',
      'http.request.host.labels.0': '1',
      'http.request.host.labels.1': '0',
      'http.request.host.labels.5': '',
      'http.request.tls.version': '{http.request.tls.version}',
      'http.vars.client_ip': '127.0.0.1',
      'http.vars.trusted_proxy': 'false',
      'http.vars.nope': '',
      'http.request.remote.host': '127.0.0.1',
      'http.request.remote.host/24': '127.0.0.0/24',
      'http.error.status_code': '{http.error.status_code}',
      'http.shutting_down': 'false',
      'unknown.thing': '{unknown.thing}',
    };
    for (const [k, v] of Object.entries(expected)) expect.soft(got[k], k).toBe(v);
    expect(got['http.request.remote']).toMatch(/^127\.0\.0\.1:\d+$/);
    expect(got['http.request.remote']).toBe(`127.0.0.1:${got['http.request.remote.port']}`);
    // One UUID per request, stable across lookups.
    expect(got.uuid1).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    expect(got.uuid2).toBe(got.uuid1);
    // Go duration text ("129.964µs") and milliseconds as a float.
    expect(got.duration).toMatch(/^\d+(\.\d+)?(ns|µs|ms|s)$/);
    expect(Number(got.duration_ms)).toBeGreaterThan(0);
    expect(Number(got.duration_ms)).toBeLessThan(5000);
  });

  it('decoded path, escaped forms and the raw query (Caddy 2.6.2 printed the same)', async () => {
    const got = (await rawJSON(ts.port, '/a%2Fb/c%20d?q=a%2Fb+c')) as Record<string, string>;
    expect(got['http.request.uri']).toBe('/a%2Fb/c%20d?q=a%2Fb+c');
    expect(got['http.request.uri.path']).toBe('/a/b/c d');
    expect(got['http.request.uri.path.0']).toBe('a');
    expect(got['http.request.uri.path.1']).toBe('b');
    expect(got['http.request.uri.path.file']).toBe('c d');
    expect(got['http.request.uri.path.dir']).toBe('/a/b/');
    expect(got['http.request.uri.query']).toBe('q=a%2Fb+c');
    expect(got['http.request.orig_uri.path']).toBe('/a/b/c d');
    expect(got['http.request.uri.path_escaped']).toBe('%2Fa%2Fb%2Fc+d');
  });

  it('host labels count from the right; a missing port is empty', async () => {
    const got = (await rawJSON(ts.port, '/', {}, { host: 'Sub.Example.COM' })) as Record<string, string>;
    expect(got['http.request.host']).toBe('Sub.Example.COM');
    expect(got['http.request.port']).toBe('');
    expect(got['http.request.host.labels.0']).toBe('COM');
    expect(got['http.request.host.labels.1']).toBe('Example');
    expect(got['http.request.host.labels.2']).toBeUndefined(); // not requested
    expect(got['http.request.uri.prefixed_query']).toBe('');
  });

  it('HTTP/1.0 and an absolute-form target (its authority is the host, as in Go)', async () => {
    const got = (await rawJSON(ts.port, 'http://other.test:81/p?x=1', {}, { version: 'HTTP/1.0' })) as Record<string, string>;
    expect(got['http.request.proto']).toBe('HTTP/1.0');
    expect(got['http.request.hostport']).toBe('other.test:81');
    expect(got['http.request.host']).toBe('other.test');
    expect(got['http.request.uri']).toBe('/p?x=1');
    expect(got['http.request.orig_uri']).toBe('http://other.test:81/p?x=1');
  });

  it('response headers, vars and error placeholders follow the request', async () => {
    ts.handle = (ctx) => {
      ctx.w.setHeader('X-Out', ['a', 'b']);
      ctx.vars.set('n', 42);
      ctx.vars.set('f', 0.25);
      const before = compileTemplate('{http.error.status_code}|{http.error.message}', 'keep')(ctx.repl);
      ctx.error = new HandlerError(404, 'no such thing', undefined, 'abc123');
      return {
        before,
        after: compileTemplate(
          '{http.response.header.x-out}|{http.vars.n}|{http.vars.f}|{http.error.status_code}|{http.error.status_text}|{http.error.message}|{http.error.id}|{http.error}',
        )(ctx.repl),
      };
    };
    const got = (await rawJSON(ts.port, '/')) as { before: string; after: string };
    expect(got.before).toBe('{http.error.status_code}|{http.error.message}');
    expect(got.after).toBe('a,b|42|0.25|404|Not Found|no such thing|abc123|{id=abc123}: HTTP 404: no such thing');
  });

  it('a target Go refuses is a 400 before any handler', async () => {
    expect((await raw(ts.port, '/bad%zzescape')).status).toBe(400);
    expect((await raw(ts.port, 'relative/path')).status).toBe(400);
  });
});
