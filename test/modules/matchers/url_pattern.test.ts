/**
 * url_pattern on real requests: Caddy's TestURLPatternMatcher table
 * (urlpatternmatcher_test.go) over http and https, the captured groups as
 * {http.url_pattern.<component>.<group>}, the JSON it loads from, and the
 * load errors.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { request } from 'node:https';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { URLPattern } from 'node:url';
import type { Ctx } from '../../../src/core/types.js';
import { compileFastGroups } from '../../../src/modules/matchers/url_pattern_fast.js';
import { Runtime } from '../../../src/runtime/runtime.js';
import { respond, send, site, type Site } from '../../support/client.js';
import { freePort } from '../../support/net.js';

type Cfg = { pattern: string; base_url?: string; ignore_case?: boolean };
/** [Caddy's case name, matcher, Host, over TLS, request target, want]. */
type Row = [string, Cfg, string, boolean, string, boolean];

const rows: Row[] = [
  ['literal path matches', { pattern: '/foo' }, 'example.com', false, '/foo', true],
  ['literal path mismatch', { pattern: '/foo' }, 'example.com', false, '/bar', false],
  ['named group matches', { pattern: '/books/:id' }, 'example.com', false, '/books/123', true],
  ['named group requires segment', { pattern: '/books/:id' }, 'example.com', false, '/books', false],
  ['wildcard spans segments', { pattern: '/files/*' }, 'example.com', false, '/files/a/b/c', true],
  ['absolute pattern matches host and scheme', { pattern: 'https://example.com/foo' }, 'example.com', true, '/foo', true],
  ['absolute pattern rejects scheme mismatch', { pattern: 'https://example.com/foo' }, 'example.com', false, '/foo', false],
  ['absolute pattern rejects host mismatch', { pattern: 'https://example.com/foo' }, 'other.com', true, '/foo', false],
  ['ignore_case matches mixed case', { pattern: '/foo', ignore_case: true }, 'example.com', false, '/FOO', true],
  ['case sensitive by default', { pattern: '/foo' }, 'example.com', false, '/FOO', false],
  ['base_url scopes to host', { pattern: '/search', base_url: 'https://example.com' }, 'example.com', true, '/search?q=caddy', true],
  ['base_url rejects other host', { pattern: '/search', base_url: 'https://example.com' }, 'other.com', true, '/search', false],
  ['encoded slash traversal is rejected', { pattern: '/public/*' }, 'example.com', false, '/public/..%2fadmin/secret.txt', false],
  ['uppercase encoded slash traversal is rejected', { pattern: '/public/*' }, 'example.com', false, '/public/..%2Fadmin/secret.txt', false],
  ['encoded dot traversal is rejected', { pattern: '/public/*' }, 'example.com', false, '/public/%2e%2e/admin/secret.txt', false],
  ['raw dot traversal is rejected', { pattern: '/public/*' }, 'example.com', false, '/public/../admin/secret.txt', false],
  ['cleaned traversal still matches its real target', { pattern: '/admin/*' }, 'example.com', false, '/public/..%2fadmin/secret.txt', true],
  ['doubled slashes are collapsed before matching', { pattern: '/public/*' }, 'example.com', false, '/public//nested//file', true],
  ['pattern with empty segment preserves request slashes', { pattern: '/a//b' }, 'example.com', false, '/a//b', true],
  ['encoded characters match their decoded form', { pattern: '/caf%C3%A9' }, 'example.com', false, '/caf%C3%A9', true],
  // TestURLPatternMatcherRelative: any host, a port included.
  ['relative pattern, host other.org', { pattern: '/books/:id' }, 'other.org', false, '/books/42', true],
  ['relative pattern, host with a port', { pattern: '/books/:id' }, '192.0.2.1:8080', false, '/books/42', true],
  ['base_url rejects the same host on another port', { pattern: '/search', base_url: 'https://example.com' }, 'example.com:8443', true, '/search', false],
];

const routes = rows.map(([, cfg], i) => ({ match: [{ header: { 'X-Case': [String(i)] }, url_pattern: cfg }], handle: [respond('yes')], terminal: true }));
const fallback = { handle: [respond('no')] };

let dir = '';
let plain: Site;
let tlsPort = 0;
let runtime: Runtime;

beforeAll(async () => {
  plain = await site([
    {
      match: [{ url_pattern: { pattern: '/books/:id/chapters/:chapter' } }],
      handle: [respond('id={http.url_pattern.pathname.id} chapter={http.url_pattern.pathname.chapter} host={http.url_pattern.hostname.0}')],
      terminal: true,
    },
    {
      match: [{ url_pattern: { pattern: '/search', base_url: 'http://shop.test' } }, { url_pattern: { pattern: '/search?q=:q' } }],
      handle: [respond('q={http.url_pattern.search.q}')],
      terminal: true,
    },
    ...routes,
    fallback,
  ]);

  dir = mkdtempSync(join(tmpdir(), 'tsweb-url-pattern-'));
  execFileSync('openssl', ['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes', '-keyout', 'server.key', '-out', 'server.crt', '-days', '1', '-subj', '/CN=localhost', '-addext', 'subjectAltName=DNS:localhost'], { cwd: dir, stdio: 'pipe' });
  tlsPort = await freePort();
  runtime = new Runtime({ env: { ...process.env, XDG_DATA_HOME: join(dir, 'data') } });
  await runtime.load({
    admin: { disabled: true },
    apps: {
      tls: { certificates: { load_files: [{ certificate: join(dir, 'server.crt'), key: join(dir, 'server.key') }] } },
      http: {
        http_port: await freePort(),
        https_port: tlsPort,
        servers: { s: { listen: [`127.0.0.1:${tlsPort}`], routes: [...routes, fallback], tls_connection_policies: [{}] } },
      },
    },
  });
});
afterAll(async () => {
  await plain?.stop();
  await runtime?.stop();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

function getTLS(path: string, headers: Record<string, string>): Promise<string> {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port: tlsPort, path, servername: 'localhost', ca: readFileSync(join(dir, 'server.crt')), headers, agent: false }, (res) => {
      let body = '';
      res.on('data', (c: Buffer) => (body += c.toString()));
      res.on('end', () => resolve(body));
    });
    req.on('error', reject);
    req.end();
  });
}

describe("Caddy's TestURLPatternMatcher cases on real requests", () => {
  it.each(rows.map((r, i) => [r[0], i, r] as const))('%s', async (_name, i, row) => {
    const [, , host, tls, target, want] = row;
    const headers = { host, 'X-Case': String(i) };
    const body = tls ? await getTLS(target, headers) : (await send(plain.port, target, { headers })).text;
    expect(body).toBe(want ? 'yes' : 'no');
  });
});

describe('captured groups', () => {
  it('names the groups by URL component: {http.url_pattern.pathname.id}, the any-host wildcard as hostname.0', async () => {
    const r = await send(plain.port, '/books/42/chapters/7', { headers: { host: 'example.com' } });
    expect(r.text).toBe('id=42 chapter=7 host=example.com');
  });

  it('captures from the query, and a base_url scopes a pattern to one origin', async () => {
    expect((await send(plain.port, '/search?q=caddy', { headers: { host: 'elsewhere.test' } })).text).toBe('q=caddy');
    // The base_url pattern matches shop.test first and captures no q (respond keeps an unknown placeholder, as Caddy's does).
    expect((await send(plain.port, '/search?q=caddy', { headers: { host: 'shop.test' } })).text).toBe('q={http.url_pattern.search.q}');
  });
});

describe('loading', () => {
  const load = async (matcher: unknown): Promise<string> => {
    try {
      const s = await site([{ match: [{ url_pattern: matcher }], handle: [respond('x')] }]);
      await s.stop();
      return 'loaded';
    } catch (err) {
      return (err as Error).message;
    }
  };

  it('refuses a pattern URLPattern cannot parse, naming it', async () => {
    const msg = await load({ pattern: 'https://[invalid' });
    expect(msg).toContain('url_pattern');
    expect(msg).toContain('unable to parse URL pattern: "https://[invalid"');
  });

  it('refuses a base_url that is not a URL', async () => {
    expect(await load({ pattern: '/a', base_url: 'not a url' })).toContain('unable to parse URL pattern: "/a" with base_url "not a url"');
  });

  it('decodes the JSON strictly, as Caddy does', async () => {
    expect(await load({ pattern: '/a', nope: true })).toContain('json: unknown field "nope"');
    expect(await load({ pattern: '/a', ignore_case: 'yes' })).toContain('cannot unmarshal string into Go value of type bool');
    expect(await load('/a')).toContain('cannot unmarshal string into Go value of type caddyhttp.MatchURLPattern');
  });
});

describe('the groups without exec() (url_pattern_fast.ts) are the groups exec() gives', () => {
  const patterns = ['/books/:id', '/books/:id/chapters/:chapter', '/files/*', '/a/*/b/:x', '/', '/caf%C3%A9/:n', '/x.y/:z'];
  const requests: Array<[path: string, host: string, port: string, query: string, scheme: 'http' | 'https']> = [
    ['/books/42', 'example.com', '', '', 'http'],
    ['/books/42', 'example.com', '8080', 'q=1&r=%20x', 'http'],
    ['/books/42', 'example.com', '80', '', 'http'],
    ['/books/42', 'example.com', '443', '', 'https'],
    ['/books/42', '192.0.2.1', '8443', '', 'https'],
    ['/books/a%2Fb', 'example.com.', '', '', 'http'],
    ['/books/42/chapters/7', 'sub.example.com', '', 'a', 'http'],
    ['/files/a/b/c', 'localhost', '2019', '', 'http'],
    ['/files', 'localhost', '', '', 'http'],
    ['/a/1/2/b/zz', 'localhost', '', '', 'http'],
    ['/', 'localhost', '', 'x=<y>', 'http'],
    ['/', 'localhost', '', 'x=y', 'http'],
    ['/caf%C3%A9/1', 'localhost', '', '', 'http'],
    ['/x.y/1', 'localhost', '', '', 'http'],
    ['/books/42', '1.2.3', '', '', 'http'],
    ['/books/42', 'exa_mple.com', '', '', 'http'],
  ];

  it.each(patterns)('%s', (p) => {
    let compared = 0;
    for (const ignoreCase of [false, true]) {
      const pattern = new URLPattern('*://*:*' + p, { ignoreCase });
      const fast = compileFastGroups(pattern, true, ignoreCase, 'http.url_pattern.');
      expect(fast).not.toBeNull();
      for (const [path, host, port, query, scheme] of requests) {
        const base = `${scheme}://${host}${port === '' ? '' : ':' + port}`;
        const uri = query === '' ? path : `${path}?${query}`;
        if (!pattern.test(uri, base)) continue;
        const got = fast!({ host, port, query, scheme } as unknown as Ctx, path);
        if (got === null) continue; // exec() will say
        const result = pattern.exec(uri, base)!;
        const want: Record<string, string> = {};
        for (const c of ['protocol', 'username', 'password', 'hostname', 'port', 'pathname', 'search', 'hash'] as const) {
          for (const [k, v] of Object.entries(result[c].groups)) want[`http.url_pattern.${c}.${k}`] = v ?? '';
        }
        const gotMap: Record<string, string> = {};
        for (let i = 0; i < got.length; i += 2) gotMap[got[i]!] = got[i + 1]!;
        expect({ base, uri, groups: gotMap }).toEqual({ base, uri, groups: want });
        compared++;
      }
    }
    expect(compared).toBeGreaterThan(0);
  });

  it('leaves the other shapes to exec()', () => {
    for (const p of ['/books/:id?', '/books/:id(\\d+)', '/books/{:id}?', '/a/:b.json', '/books/*.png']) {
      expect(compileFastGroups(new URLPattern('*://*:*' + p), true, false, 'http.url_pattern.')).toBeNull();
    }
    expect(compileFastGroups(new URLPattern('https://example.com/a/:b'), false, false, 'http.url_pattern.')).toBeNull();
    expect(compileFastGroups(new URLPattern('*://*:*/search?q=:q'), true, false, 'http.url_pattern.')).toBeNull();
  });
});
