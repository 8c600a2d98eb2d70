// A few realistic Caddyfiles using every handler tsweb serves (header,
// request_header, rewrite, uri, redir, respond, error + handle_errors, abort,
// vars, map, try_files, root + file_server, encode, basicauth, request_body)
// and every matcher, run by both `caddy run` (2.6.2) and `tsweb run`: the same
// requests must get the same status, headers and decoded bodies. Where tsweb
// follows a newer Caddy on purpose, the request is left out of the equality
// check and tsweb's behaviour is asserted on its own, below.
import { mkdirSync, symlinkSync, utimesSync, writeFileSync } from 'node:fs';
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { brotliCompressSync, gzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Answer, label, type Pair, type Req, parseRawResponse, sendRawText, startPair } from './serve-diff.js';

const site = `{
	admin off
	auto_https off
}

# Headers, rewrites, redirects, respond and placeholders.
:{{PORT:web}} {
	header X-Served-By diff
	request_header X-Injected "inj-{method}"
	request_header -X-Drop-Me

	@hdr path /hdr/*
	header @hdr {
		Cache-Control "public, max-age=60"
		+X-Multi "a"
		+X-Multi "b"
		-X-Served-By
		?X-Default "dflt"
		X-Path "{path}"
	}
	header /defer/* {
		defer
		X-Late "late {path}"
		-X-Served-By
	}
	header /repl/* X-Served-By "diff" "replaced"
	header /hdr/* -X-Nothing

	redir /old /new
	redir /perm /new?from=perm permanent
	redir /html-redir /new html
	redir /temp307 https://example.com/{path} 307
	redir /moved308 /new 308
	redir /dir-redir /dir/

	rewrite /rw /rewritten/{query.x}?{query}&seen=1
	rewrite /rw-path /echo{path}

	handle_path /strip/* {
		respond "stripped path={path} uri={uri}"
	}
	route /uri/* {
		uri strip_prefix /uri
		uri strip_suffix .html
		uri replace foo bar
		uri path_regexp /v(\d+)/ /version-$1/
		respond "path={path} query={query} orig={http.request.orig_uri}"
	}

	@ver path_regexp ver ^/ver/(\d+)/(.*)$
	respond @ver "v={re.ver.1} rest={re.ver.2}"

	respond /hdr/* "hdr {header.X-Injected} [{header.X-Drop-Me}] {header.X-Keep}"
	respond /defer/* "deferred"
	respond /repl/* "repl"
	respond /rewritten/* "rewritten {path} {query} {http.request.orig_uri}"
	respond /echo/* "echo {path} {uri}"
	respond /new "new {query}"
	header /unk X-Unknown "a{nope}b"
	respond /unk "unk"
	respond /ph/* "path={path} x={query.x} q={query} qy=[{query.y}] h={header.X-Thing} host={host} hp={hostport} l0={labels.0} l1={labels.1} l2={labels.2} m={method} s={scheme} uri={uri} file={file} base={file.base} ext={file.ext} dir={dir} p0={path.0} p1={path.1} ua={header.User-Agent} unk={nope} cookie={cookie.c} rip={remote_host} {http.request.proto}"
	respond "fallback {path}" 404
}

# Matchers.
:{{PORT:match}} {
	root * {{DIR}}/www
	vars flag yes
	@get method GET
	@post method POST PUT
	@api host api.example.com *.wild.test
	@key header X-Key secret
	@keyany header X-Any *
	@bearer header_regexp tok Authorization ^Bearer\s+(\w+)$
	@debug query mode=debug
	@anyq query any=*
	@http protocol http
	@https protocol https
	@local remote_ip 127.0.0.1/8
	@remote remote_ip 10.0.0.0/8
	@notget not method GET
	@flag vars {flag} yes
	@isfile file {
		try_files {path} {path}.html
	}
	@both {
		path /m/both
		method GET
		header X-Key secret
	}
	route /m/* {
		respond @both "both"
		respond @post "post {method}"
		respond @api "api {host} {labels.0}"
		respond @key "key"
		respond @keyany "any {header.X-Any}"
		respond @bearer "bearer {re.tok.1}"
		respond @debug "debug"
		respond @anyq "anyq {query.any}"
		respond @https "https"
		respond @remote "remote"
		respond /m/local* "local? {remote_host}"
		respond /m/vars* "vars? {vars.flag}"
		respond "none"
	}
	route /f/* {
		uri strip_prefix /f
		respond @isfile "file {file_match.relative} {file_match.type} {file_match.remainder}"
		respond "no file"
	}
	route /n/* {
		respond @notget "not get"
		respond @flag "flag"
	}
	respond @local "local {remote_host}"
}

# Errors, abort, vars, map, basicauth, request_body.
:{{PORT:misc}} {
	basicauth /admin/* {
		alice $2a$14$Zkx19XLiW6VYouLHR5NmfOFU0z2GTNmpkT/5qqR7hx4IjWJPDhjvG
	}
	request_body /upload/* {
		max_size 10
	}
	vars {
		site misc
		num 42
	}
	map {path} {section} {kind} {
		/a alpha one
		~^/map/(\w+)$ "re-\${1}" two
		/null - three
		default unknown none
	}
	handle /admin/* {
		respond "welcome {http.auth.user.id}"
	}
	handle /map* {
		respond "section={section} kind={kind} site={vars.site} num={vars.num}"
	}
	handle /a {
		respond "section={section} kind={kind}"
	}
	handle /null {
		respond "section=[{section}] kind={kind}"
	}
	handle /err/403 {
		error "Forbidden zone" 403
	}
	handle /err/500 {
		error 500
	}
	handle /err/plain {
		error "no status"
	}
	handle /err/ph {
		error "bad {path}" 400
	}
	handle /err/nf {
		error "gone fishing" 404
	}
	handle /abort {
		abort
	}
	handle /upload/* {
		respond "uploaded"
	}
	handle {
		respond "misc {path}"
	}
	handle_errors {
		@nf vars {err.status_code} 404
		handle @nf {
			respond "not found: {err.message} ({err.status_text})" 404
		}
		respond "error {err.status_code} {err.status_text}: {err.message}"
	}
}

# Static files: root, try_files, file_server, encode.
:{{PORT:static}} {
	root * {{DIR}}/www
	header ?Cache-Control "max-age=5"
	header /list/* ?Content-Type "text/x-never"
	header /txt/* -Last-Modified
	header /hello.txt Cache-Control "no-cache"
	encode /enc/* gzip zstd {
		minimum_length 10
	}
	encode /txt/* gzip
	handle /spa/* {
		try_files {path} /spa/index.html
		file_server
	}
	handle /pre/* {
		file_server {
			precompressed br gzip
		}
	}
	handle /nobrowse/* {
		file_server
	}
	handle {
		file_server browse {
			hide secret.txt .hidden
		}
	}
}
`;

const text = (n: number): string => Array.from({ length: n }, (_, i) => `line ${i} of some compressible text\n`).join('');

/** The site's files, with one fixed mtime so Last-Modified and ETags are stable. */
function files(dir: string): void {
  const www = join(dir, 'www');
  const put: Record<string, string | Buffer> = {
    'index.html': '<h1>home</h1>\n',
    'hello.txt': 'hello, world\n',
    'about.html': '<p>about</p>\n',
    'secret.txt': 'do not list me\n',
    '.hidden': 'hidden\n',
    'range.txt': '0123456789abcdefghijklmnopqrstuvwxyz',
    'dir/index.html': '<p>dir index</p>\n',
    'list/a.txt': 'a\n',
    'list/b.json': '{"b":1}\n',
    'list/secret.txt': 'hidden in listing\n',
    'list/sub/c.txt': 'c\n',
    'spa/index.html': '<div id="app"></div>\n',
    'spa/real.js': 'console.log(1)\n',
    'pre/app.js': text(40),
    'pre/app.js.gz': gzipSync(text(40)),
    'pre/app.js.br': brotliCompressSync(text(40)),
    'pre/plain.css': 'body{}\n',
    'enc/big.txt': text(100),
    'enc/tiny.txt': 'tiny',
    'enc/page.html': `<html><body>${text(20)}</body></html>\n`,
    'txt/notes.txt': text(10),
    'nobrowse/sub/x.txt': 'x\n',
  };
  const when = new Date('2024-03-01T12:00:00Z');
  for (const [name, body] of Object.entries(put)) {
    const p = join(www, name);
    mkdirSync(join(p, '..'), { recursive: true });
    writeFileSync(p, body);
    utimesSync(p, when, when);
  }
  writeFileSync(join(dir, 'outside.txt'), 'outside the root\n');
  symlinkSync(join(dir, 'outside.txt'), join(www, 'escape.txt'));
  for (const d of ['', 'dir', 'list', 'list/sub', 'spa', 'pre', 'enc', 'txt', 'nobrowse', 'nobrowse/sub']) utimesSync(join(www, d), when, when);
}

const alice = { Authorization: `Basic ${Buffer.from('alice:hiccup').toString('base64')}` };
const gz = { 'Accept-Encoding': 'gzip' };

const same: Req[] = [
  // header / request_header
  { site: 'web', path: '/hdr/x', headers: { 'X-Drop-Me': 'gone', 'X-Keep': 'kept' } },
  { site: 'web', path: '/defer/y' },
  { site: 'web', path: '/repl/z' },
  { site: 'web', method: 'HEAD', path: '/hdr/x' },
  // redir
  { site: 'web', path: '/old' },
  { site: 'web', path: '/perm' },
  { site: 'web', path: '/temp307' },
  { site: 'web', path: '/moved308' },
  { site: 'web', path: '/unk' },
  { site: 'web', path: '/ver/x/rest' },
  { site: 'web', path: '/uri/v12/foo.html.html' },
  { site: 'web', path: '/strip/' },
  { site: 'web', path: '/STRIP/a' },
  { site: 'web', path: '/rw' },
  { site: 'web', path: '/ph/%E2%9C%93?x=%E2%9C%93', headers: { Host: 'sub.example.com' } },
  { site: 'web', path: '/dir-redir' },
  { site: 'web', path: '/new?a=1' },
  // rewrite / uri
  { site: 'web', path: '/rw?x=abc&y=2' },
  { site: 'web', path: '/rw-path' },
  { site: 'web', path: '/strip/a/b?q=1' },
  { site: 'web', path: '/strip' },
  { site: 'web', path: '/uri/foo/v2/page.html?k=v' },
  { site: 'web', path: '/uri/plain' },
  { site: 'web', path: '/ver/12/rest/of/it' },
  // placeholders
  { site: 'web', path: '/ph/one/two.txt?x=1&x=2&z=%20sp', headers: { Host: 'a.b.example.com', 'X-Thing': 'thing', 'User-Agent': 'diff/1', Cookie: 'c=yum; d=no' } },
  { site: 'web', path: '/ph/', headers: { Host: 'localhost:9999' } },
  { site: 'web', path: '/ph/%2Fenc%20oded?x=%26', headers: { Host: '[::1]:80' } },
  { site: 'web', path: '/nothing/here' },
  { site: 'web', method: 'DELETE', path: '/hdr/del' },
  // matchers
  { site: 'match', path: '/m/both', headers: { 'X-Key': 'secret' } },
  { site: 'match', path: '/m/both', headers: { 'X-Key': 'wrong' } },
  { site: 'match', method: 'POST', path: '/m/x' },
  { site: 'match', method: 'PUT', path: '/m/x' },
  { site: 'match', path: '/m/x', headers: { Host: 'api.example.com' } },
  { site: 'match', path: '/m/x', headers: { Host: 'deep.wild.test:8080' } },
  { site: 'match', path: '/m/x', headers: { Host: 'API.EXAMPLE.COM' } },
  { site: 'match', path: '/m/x', headers: { 'X-Any': 'whatever' } },
  { site: 'match', path: '/m/x', headers: { Authorization: 'Bearer abc123' } },
  { site: 'match', path: '/m/x', headers: { Authorization: 'Bearer abc 123' } },
  { site: 'match', path: '/m/x?mode=debug' },
  { site: 'match', path: '/m/x?mode=other&any=' },
  { site: 'match', path: '/m/x?any=thing' },
  { site: 'match', path: '/m/x?mode=de%62ug' },
  { site: 'match', path: '/m/x?MODE=debug' },
  { site: 'match', path: '/m/x', headers: { Host: 'api.example.com.' } },
  { site: 'match', path: '/m/x', headers: { Host: 'wild.test' } },
  { site: 'match', path: '/M/x' },
  { site: 'match', path: '/m/x', headers: { 'x-key': 'secret' } },
  { site: 'match', path: '/f/hello.txt/' },
  { site: 'match', path: '/f/list' },
  { site: 'match', path: '/m/local' },
  { site: 'match', path: '/m/vars' },
  { site: 'match', path: '/f/hello.txt' },
  { site: 'match', path: '/f/about' },
  { site: 'match', path: '/f/dir' },
  { site: 'match', path: '/f/missing' },
  { site: 'match', path: '/n/x' },
  { site: 'match', method: 'POST', path: '/n/x' },
  { site: 'match', path: '/elsewhere' },
  // errors, abort, vars, map, basicauth, request_body
  { site: 'misc', path: '/err/403' },
  { site: 'misc', path: '/err/500' },
  { site: 'misc', path: '/err/plain' },
  { site: 'misc', path: '/err/nf' },
  { site: 'misc', path: '/a' },
  { site: 'misc', path: '/map/beta' },
  { site: 'misc', path: '/map/x/y' },
  { site: 'misc', path: '/null' },
  { site: 'misc', path: '/admin/panel' },
  { site: 'misc', path: '/admin/panel', headers: alice },
  { site: 'misc', path: '/admin/panel', headers: { Authorization: `Basic ${Buffer.from('alice:wrong').toString('base64')}` } },
  { site: 'misc', path: '/admin/panel', headers: { Authorization: 'Basic !!!' } },
  { site: 'misc', method: 'POST', path: '/upload/x', body: 'short' },
  { site: 'misc', path: '/other' },
  // static files
  { site: 'static', path: '/' },
  { site: 'static', path: '/hello.txt' },
  { site: 'static', method: 'HEAD', path: '/hello.txt' },
  { site: 'static', path: '/index.html' },
  { site: 'static', path: '/dir' },
  { site: 'static', path: '/dir/' },
  { site: 'static', path: '/dir/index.html' },
  { site: 'static', path: '/list/', headers: { Accept: 'application/json' } },
  { site: 'static', path: '/list/?sort=size&order=desc', headers: { Accept: 'application/json' } },
  { site: 'static', path: '/list/?limit=1&offset=1', headers: { Accept: 'application/json' } },
  { site: 'static', path: '/list' },
  { site: 'static', path: '/secret.txt' },
  { site: 'static', path: '/list/secret.txt' },
  { site: 'static', path: '/.hidden' },
  { site: 'static', path: '/missing.txt' },
  { site: 'static', path: '/range.txt', headers: { Range: 'bytes=2-5' } },
  { site: 'static', path: '/range.txt', headers: { Range: 'bytes=-4' } },
  { site: 'static', path: '/range.txt', headers: { Range: 'bytes=30-' } },
  { site: 'static', path: '/range.txt', headers: { Range: 'bytes=100-200' } },
  { site: 'static', path: '/range.txt', headers: { Range: 'bytes=0-1,4-5' } },
  { site: 'static', path: '/range.txt', headers: { Range: 'bytes=1-2', 'If-Range': 'Fri, 01 Mar 2024 12:00:00 GMT' } },
  { site: 'static', path: '/range.txt', headers: { Range: 'bytes=1-2', 'If-Range': '"nope"' } },
  { site: 'static', path: '/hello.txt', headers: { 'If-Modified-Since': 'Fri, 01 Mar 2024 12:00:00 GMT' } },
  { site: 'static', path: '/hello.txt', headers: { 'If-Modified-Since': 'Thu, 29 Feb 2024 12:00:00 GMT' } },
  { site: 'static', path: '/hello.txt', headers: { 'If-Unmodified-Since': 'Thu, 29 Feb 2024 12:00:00 GMT' } },
  { site: 'static', path: '/spa/real.js' },
  { site: 'static', path: '/spa/some/route' },
  { site: 'static', path: '/pre/app.js' },
  { site: 'static', path: '/pre/app.js', headers: gz },
  { site: 'static', path: '/pre/app.js', headers: { 'Accept-Encoding': 'gzip, br' } },
  { site: 'static', path: '/pre/plain.css', headers: { 'Accept-Encoding': 'gzip, br' } },
  { site: 'static', path: '/enc/big.txt', headers: gz },
  { site: 'static', path: '/enc/big.txt', headers: { 'Accept-Encoding': 'zstd' } },
  { site: 'static', path: '/enc/big.txt', headers: { 'Accept-Encoding': 'br' } },
  { site: 'static', path: '/enc/big.txt' },
  { site: 'static', path: '/enc/tiny.txt', headers: gz },
  { site: 'static', path: '/enc/page.html', headers: { 'Accept-Encoding': 'gzip;q=0.5, zstd;q=0.9' } },
  { site: 'static', path: '/txt/notes.txt', headers: { 'Accept-Encoding': 'gzip, deflate' } },
  { site: 'static', path: '/nobrowse/sub/' },
  { site: 'static', path: '/nobrowse/sub/x.txt' },
  { site: 'static', path: '/../../etc/passwd' },
  { site: 'static', path: '/hello.txt/' },
  { site: 'static', path: '//hello.txt' },
  { site: 'static', path: '/%68ello.txt' },
  { site: 'static', path: '/./hello.txt' },
  { site: 'static', path: '/list/../hello.txt' },
  { site: 'static', path: '/%2e%2e/hello.txt' },
  { site: 'static', path: '/list/%2e%2e/secret.txt' },
  { site: 'static', path: '/enc/big.txt', headers: { ...gz, Range: 'bytes=0-9' } },
  { site: 'static', method: 'HEAD', path: '/enc/big.txt', headers: gz },
  { site: 'static', path: '/enc/big.txt', headers: { 'Accept-Encoding': 'gzip;q=0, identity' } },
  { site: 'static', path: '/enc/big.txt', headers: { 'Accept-Encoding': '*' } },
  { site: 'static', path: '/enc/missing.txt', headers: gz },
  { site: 'static', path: '/enc/', headers: { ...gz, Accept: 'application/json' } },
  { site: 'static', path: '/pre/app.js', headers: { ...gz, Range: 'bytes=0-9' } },
  { site: 'static', method: 'HEAD', path: '/pre/app.js', headers: { 'Accept-Encoding': 'br' } },
];

/**
 * What may differ without a user noticing: multipart range boundaries are
 * random; browse listings as JSON are compared parsed.
 */
function normalize(a: Answer | 'dropped'): Answer | 'dropped' {
  if (a === 'dropped') return a;
  const type = a.headers['content-type'] ?? '';
  const boundary = /boundary=(\S+)/.exec(type)?.[1];
  if (boundary) return { ...a, headers: { ...a.headers, 'content-type': type.replace(boundary, 'B') }, body: a.body.replaceAll(boundary, 'B') };
  if (type.startsWith('application/json')) {
    try {
      return { ...a, body: JSON.parse(a.body) };
    } catch {
      /* compare the text */
    }
  }
  return a;
}

/**
 * tsweb follows newer Caddy in two header details that 2.6.2 predates, both
 * asserted on their own below: encode turns the ETag weak (the encoded bytes
 * are not the file's), and file_server with precompressed sidecars always
 * sends Vary: Accept-Encoding (2.6.2 only when it served a sidecar). Undone
 * here so the rest of those responses is still compared with Caddy's.
 */
function asCaddy262(a: Answer | 'dropped', r: Req): Answer | 'dropped' {
  if (a === 'dropped') return a;
  const headers = { ...a.headers };
  if (headers['content-encoding'] && headers.etag?.startsWith('W/')) headers.etag = headers.etag.slice(2);
  if (r.path.startsWith('/pre/') && !headers['content-encoding'] && headers.vary === 'Accept-Encoding') delete headers.vary;
  return { ...a, headers };
}

const ok = (a: Answer | 'dropped'): Answer => {
  if (a === 'dropped') throw new Error('connection dropped');
  return a;
};

describe('tsweb run serves the handlers as caddy run does', () => {
  let pair: Pair;
  beforeAll(async () => {
    pair = await startPair(site, files);
  });
  afterAll(() => pair?.stop());

  it.each(same.map((r) => [label(r), r] as const))('%s', async (_name, r) => {
    const [fromCaddy, fromTsweb] = await pair.both(r);
    expect(normalize(asCaddy262(fromTsweb, r))).toEqual(normalize(fromCaddy));
  });

  it('abort drops the connection in both', async () => {
    expect(await pair.both({ site: 'misc', path: '/abort' })).toEqual(['dropped', 'dropped']);
  });
  it.each([
    ['HTTP/1.0 without Host', 'GET /hello.txt HTTP/1.0\r\n\r\n'],
    ['absolute-form target', 'GET http://example.com/hello.txt?x=1 HTTP/1.1\r\nHost: other.test\r\nConnection: close\r\n\r\n'],
    ['unnormalized dot segments', 'GET /list/./../hello.txt HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n'],
    ['encoded slash', 'GET /list%2Fa.txt HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n'],
    ['HEAD of a directory listing', 'HEAD /list/ HTTP/1.1\r\nHost: x\r\nAccept: application/json\r\nConnection: close\r\n\r\n'],
  ])('raw request: %s', async (_name, text) => {
    const [c, t] = [await sendRawText(pair.ports.caddy.static!, text), await sendRawText(pair.ports.tsweb.static!, text)];
    expect(c).toMatch(/^HTTP\/1\.[01] /);
    expect(parseRawResponse(t)).toEqual(parseRawResponse(c));
  });

  it('response header ops reach file_server answers (the equality above covers them; this shows they ran)', async () => {
    for (const who of ['caddy', 'tsweb'] as const) {
      const hello = ok(await pair.ask(who, { site: 'static', path: '/hello.txt' }));
      const index = ok(await pair.ask(who, { site: 'static', path: '/index.html' }));
      const notes = ok(await pair.ask(who, { site: 'static', path: '/txt/notes.txt' }));
      const list = ok(await pair.ask(who, { site: 'static', path: '/list/', headers: { Accept: 'application/json' } }));
      expect([who, hello.headers['cache-control'], index.headers['cache-control'], notes.headers['last-modified'], list.headers['content-type']])
        .toEqual([who, 'no-cache', 'max-age=5', undefined, 'application/json; charset=utf-8']);
    }
  });

  it('304 and 412 for the ETag each one sent', async () => {
    for (const who of ['caddy', 'tsweb'] as const) {
      const etag = ok(await pair.ask(who, { site: 'static', path: '/hello.txt' })).headers.etag!;
      expect(etag).toMatch(/^"[0-9a-z]+"$/);
      const notModified = ok(await pair.ask(who, { site: 'static', path: '/hello.txt', headers: { 'If-None-Match': etag } }));
      expect([who, notModified.status, notModified.body, notModified.headers.etag]).toEqual([who, 304, '', etag]);
      const failed = ok(await pair.ask(who, { site: 'static', path: '/hello.txt', headers: { 'If-Match': '"other"' } }));
      expect([who, failed.status]).toEqual([who, 412]);
    }
  });

  it('curl --compressed gets the same decoded file and encoding from both', async () => {
    const curl = (port: number) => {
      const out = spawnSync('curl', ['-sS', '--compressed', '-H', 'Accept-Encoding: gzip', '-D', '-', `http://127.0.0.1:${port}/enc/big.txt`], { encoding: 'utf8', timeout: 10000 });
      const [head, body] = out.stdout.split('\r\n\r\n');
      return { encoding: /content-encoding: (\S+)/i.exec(head!)?.[1], vary: /vary: ([^\r]+)/i.exec(head!)?.[1], body };
    };
    const [c, t] = [curl(pair.ports.caddy.static!), curl(pair.ports.tsweb.static!)];
    expect(c.encoding).toBe('gzip');
    expect(t).toEqual(c);
  });

  it('the browse listing in HTML names the same entries, hiding the hidden ones', async () => {
    for (const who of ['caddy', 'tsweb'] as const) {
      const a = ok(await pair.ask(who, { site: 'static', path: '/list/' }));
      expect(a.status).toBe(200);
      expect(a.headers['content-type']).toBe('text/html; charset=utf-8');
      for (const name of ['a.txt', 'b.json', 'sub/']) expect(a.body, who).toContain(`href="./${name}"`);
      expect(a.body, who).not.toContain('secret.txt');
    }
  });
});

// Where tsweb deliberately answers as a newer Caddy than 2.6.2 does; each
// request is shown against Caddy 2.6.2's answer so a change on either side is
// noticed.
describe('tsweb follows newer Caddy where 2.6.2 differs', () => {
  let pair: Pair;
  beforeAll(async () => {
    pair = await startPair(site, files);
  });
  afterAll(() => pair?.stop());

  it('encode makes the ETag weak (2.6.2 kept the file\'s strong one)', async () => {
    const [c, t] = (await pair.both({ site: 'static', path: '/enc/big.txt', headers: gz })).map(ok);
    expect(c.headers.etag).toMatch(/^"/);
    expect(t.headers.etag).toBe(`W/${c.headers.etag}`);
    expect(t.body).toBe(c.body);
  });

  it('precompressed: Vary: Accept-Encoding even when the plain file is served', async () => {
    const [c, t] = (await pair.both({ site: 'static', path: '/pre/app.js' })).map(ok);
    expect(c.headers.vary).toBeUndefined();
    expect(t.headers.vary).toBe('Accept-Encoding');
  });

  it('file_server refuses POST with 405 and Allow (2.6.2 served the file)', async () => {
    const [c, t] = (await pair.both({ site: 'static', method: 'POST', path: '/hello.txt', body: 'x' })).map(ok);
    expect(c.status).toBe(200);
    expect([t.status, t.headers.allow]).toEqual([405, 'GET, HEAD']);
  });

  it('the trailing-slash redirect keeps the query', async () => {
    const [c, t] = (await pair.both({ site: 'static', path: '/dir?x=1' })).map(ok);
    expect([c.status, c.headers.location]).toEqual([308, '/dir/']);
    expect([t.status, t.headers.location]).toEqual([308, '/dir/?x=1']);
  });

  it('request_body max_size answers 413 up front for a declared length over the limit', async () => {
    const r: Req = { site: 'misc', method: 'POST', path: '/upload/x', body: 'much more than ten bytes' };
    const [c, t] = (await pair.both(r)).map(ok);
    // 2.6.2 only failed when a handler read the body; respond never does.
    expect([c.status, c.body]).toEqual([200, 'uploaded']);
    expect(t.status).toBe(413);
  });

  it('redir html is served as text/html (the newer adapter sets it; 2.6.2 answered text/plain)', async () => {
    const [c, t] = (await pair.both({ site: 'web', path: '/html-redir' })).map(ok);
    expect(c.headers['content-type']).toBe('text/plain; charset=utf-8');
    expect(t.headers['content-type']).toBe('text/html; charset=utf-8');
    expect([t.status, t.body]).toEqual([c.status, c.body]);
    expect(t.body).toContain('<meta http-equiv="refresh" content="0; URL=\'/new\'">');
  });

  it('a symlink out of the root is a 404 (2.6.2 followed it)', async () => {
    const [c, t] = (await pair.both({ site: 'static', path: '/escape.txt' })).map(ok);
    expect([c.status, c.body]).toEqual([200, 'outside the root\n']);
    expect(t.status).toBe(404);
  });

  it('a NUL in the path is a 400', async () => {
    const [c, t] = (await pair.both({ site: 'static', path: '/hello%00.txt' })).map(ok);
    expect(c.status).not.toBe(400);
    expect(t.status).toBe(400);
  });

  it('error messages have their placeholders filled (2.6.2 left them as written)', async () => {
    const [c, t] = (await pair.both({ site: 'misc', path: '/err/ph' })).map(ok);
    // (the adapter expands the {path} shorthand in both)
    expect([c.status, c.body]).toEqual([400, 'error 400 Bad Request: bad {http.request.uri.path}']);
    expect([t.status, t.body]).toEqual([400, 'error 400 Bad Request: bad /err/ph']);
  });
});
