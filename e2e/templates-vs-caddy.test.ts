// A small templated site served by the real Caddy (2.6.2) and by the built
// tsweb from the same Caddyfile: `templates` + `file_server`, includes with
// arguments, request fields, Sprig, front matter and markdown, httpInclude,
// `between`, errors. The bodies, statuses and the headers templates change
// must be equal.
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Answer, label, type Pair, type Req, startPair } from './serve-diff.js';

const site: Record<string, string> = {
  'index.html': [
    '{{include "/partials/header.html" "Welcome" 42}}',
    '<p>{{.Req.URL.Path}} {{.Req.Method}} {{.Host}} {{.Req.URL.Query.Get "q"}} {{.Cookie "theme"}} {{.Req.Header.Get "X-Req"}}</p>',
    '{{- $items := list "b" "a" "c"}}',
    '<ul>{{range $i, $x := $items | sortAlpha}}<li>{{$i}}={{$x | upper}}</li>{{end}}</ul>',
    '{{$m := dict "z" 1 "a" 2}}{{range $k, $v := $m}}{{$k}}:{{$v}};{{end}}',
    '{{default "none" .Req.URL.RawQuery}} {{printf "%05.1f|%-4s|%x|%q" 3.14159 "ab" 255 "hi"}} {{len "héllo"}}',
    '{{if and (eq 1 1) (ne "a" "b")}}yes{{else}}no{{end}} {{with $x := 0}}{{$x}}{{else}}zero{{end}}',
    '{{"a,b,c" | splitList "," | join "+"}} {{trim "  x  "}} {{replace "o" "0" "foo"}} {{add 1 2 3}} {{sub 10 3}} {{mul 2 3}} {{div 7 2}} {{mod 7 2}}',
    '{{toJson (dict "k" (list 1 "two" true))}} {{b64enc "hello"}} {{sha256sum "x"}} {{regexReplaceAll "(a+)" "caaat" "<$1>"}}',
    '{{html "<a href=\\"x\\">&</a>"}} {{js "it\'s <b>"}} {{urlquery "a b&c"}} {{stripHTML "<p>para <b>bold</b></p>"}}',
    '{{slice (list 1 2 3 4) 1 3}} {{index (list 5 6 7) 1}} {{$.Req.URL.Path}}',
    '{{- /* a comment */ -}}',
    '{{fileExists "/partials/header.html"}} {{fileExists "/nope"}} {{listFiles "/partials"}} {{humanize "size" "2048000"}}',
    '{{placeholder "http.request.uri.path"}} {{placeholder "http.request.method"}}',
    '{{.RespHeader.Set "X-Templated" "yes"}}{{httpInclude "/partials/footer.html"}}',
  ].join('\n'),
  'partials/header.html': '<title>{{index .Args 0}} ({{index .Args 1}})</title>\n',
  'partials/footer.html': '<footer>{{.Req.URL.Path}} depth={{.Req.Header.Get "Caddy-Templates-Include"}}</footer>',
  'post.html': '{{$doc := include "/post.md" | splitFrontMatter}}<h1>{{$doc.Meta.title}}</h1>{{range $doc.Meta.tags}}<i>{{.}}</i>{{end}} {{$doc.Meta.draft}} {{$doc.Meta.count}}\n{{markdown $doc.Body}}',
  'post.md': '---\ntitle: "A Post"\ntags:\n  - one\n  - two\ndraft: false\ncount: 3\n---\n# First heading\n\nSome *emphasis*, **strong** and `code`.\n\n## Second heading\n\n1. one\n2. two\n\n- a\n- b\n\n> quoted\n\n```\nplain code\n```\n\n[link](https://example.com/) ~~gone~~\n',
  'md.html': '{{markdown "| h1 | h2 |\\n| --- | --- |\\n| c1 | c2 |\\n\\n- [x] done\\n- [ ] open\\n"}}',
  'define.html': '{{define "row"}}<tr>{{.}}</tr>{{end}}{{template "row" "x"}}{{block "b" "y"}}[{{.}}]{{end}}{{import "/lib.html"}}{{template "lib" 7}}',
  'lib.html': '{{define "lib"}}lib:{{.}}{{end}}',
  'error.html': 'ok\n  {{.NoSuchField}}',
  'parse.html': '{{if}}',
  'deny.html': 'secret{{httpError 403}}',
  'style.css': 'body { content: "{{not executed}}" }',
  'notes.txt': 'plain {{upper "text"}}',
};

let pair: Pair;
beforeAll(async () => {
  pair = await startPair(
    `{
	admin off
	auto_https off
}

:{{PORT:web}} {
	root * {{DIR}}/www
	templates
	file_server
}

:{{PORT:alt}} {
	root * {{DIR}}/www
	templates {
		between [[ ]]
		mime text/plain
	}
	file_server
}
`,
    (dir) => {
      const www = join(dir, 'www');
      mkdirSync(join(www, 'partials'), { recursive: true });
      for (const [name, body] of Object.entries(site)) writeFileSync(join(www, name), body);
      writeFileSync(join(www, 'alt.txt'), '[[.Req.URL.Path]] {{.Req.URL.Path}}');
    },
  );
}, 30_000);
afterAll(() => pair?.stop());

function view(a: Answer | 'dropped'): unknown {
  if (a === 'dropped') return a;
  const h = a.headers;
  return { status: a.status, body: a.body, type: h['content-type'], length: h['content-length'], etag: h.etag, lastModified: h['last-modified'], ranges: h['accept-ranges'], templated: h['x-templated'] };
}

const same: Req[] = [
  { path: '/index.html?q=search', headers: { Cookie: 'theme=dark', 'X-Req': 'value' } },
  { path: '/post.html' },
  { path: '/define.html' },
  { path: '/style.css' },
  { path: '/notes.txt' },
  { path: '/partials/footer.html' },
  { site: 'alt', path: '/alt.txt' },
  { site: 'alt', path: '/partials/header.html' },
];

describe('templates: tsweb answers as Caddy does', () => {
  it.each(same.map((r) => [label(r), r] as const))('%s', async (_l, r) => {
    const [c, t] = await pair.both(r);
    expect(view(t)).toEqual(view(c));
  });

  it('markdown with GFM tables and task lists: the same HTML', async () => {
    const [c, t] = await pair.both({ path: '/md.html' });
    expect(view(t)).toEqual(view(c));
  });

  // Caddy 2.6.2 sends these with the file's Content-Length and no body, then
  // closes the connection (the client sees a truncated response); tsweb drops
  // the stale length and answers cleanly with the same status.
  it.each([
    ['/error.html', 500],
    ['/parse.html', 500],
    ['/deny.html', 403],
  ] as const)('%s: %i, no partial page', async (path, status) => {
    const [c, t] = await pair.both({ path });
    if (c !== 'dropped') expect(c.status).toBe(status);
    expect(t).not.toBe('dropped');
    expect((t as Answer).status).toBe(status);
    expect((t as Answer).body).toBe('');
  });

  it('HEAD: the same status and templated headers', async () => {
    const [c, t] = await pair.both({ path: '/notes.txt', method: 'HEAD' });
    expect(view(t)).toEqual(view(c));
  });
});
