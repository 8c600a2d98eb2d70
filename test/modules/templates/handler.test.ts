// templates through a real server: file_server over a temporary site, the
// templates handler in front of it, requests over loopback. Expected
// bodies are what Caddy's templates produce for the same files.
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { send } from '../../support/client.js';
import { freePort, logCollector, serve } from '../../support/net.js';

const dir = mkdtempSync(join(tmpdir(), 'tsweb-tpl-'));
const root = join(dir, 'site');
let port: number;
let stop: () => Promise<void>;
const logs = logCollector();

const files: Record<string, string> = {
  'index.html': '{{include "header.html" "Home"}}<p>{{.Req.URL.Path}} {{.Req.Method}} {{.Host}} {{.Cookie "flavor"}} {{.Req.Header.Get "X-Test"}}</p>{{.RespHeader.Set "X-From" "template"}}{{placeholder "http.request.method"}}',
  'header.html': '<title>{{index .Args 0}}</title>',
  'post.md': '---\ntitle: Hello World\ntags: [a, b]\ndate: 2024-05-06\n---\n# Hello *there*\n\n- [x] done\n- [ ] todo\n\n| a | b |\n|---|---|\n| 1 | 2 |\n\n~~old~~ visit www.example.com today[^1]\n\n[^1]: A note.\n',
  'page.html': '{{$md := readFile "post.md" | splitFrontMatter}}<h1>{{$md.Meta.title}}</h1>{{range $md.Meta.tags}}[{{.}}]{{end}}{{markdown $md.Body}}',
  'toml.html': '{{$d := splitFrontMatter "+++\\ntitle = \\"T\\"\\nn = 3\\n+++\\nbody"}}{{$d.Meta.title}}/{{$d.Meta.n}}/{{$d.Body}}',
  'json.html': '{{$d := splitFrontMatter "{\\n\\"title\\": \\"J\\"\\n}\\nbody"}}{{$d.Meta.title}}|{{$d.Body}}',
  'footer.html': '<footer>{{.Req.URL.Path}} {{.Req.Header.Get "Caddy-Templates-Include"}}</footer>',
  'withinclude.html': '<main>{{httpInclude "/footer.html"}}</main>{{.RespHeader.Add "X-Count" "1"}}',
  'twoincludes.html': '{{$a := httpInclude "/inc-a.json" | fromJson}}{{$a.n}} {{httpInclude "/footer.html"}}',
  'inc-a.json': '{"n": 7}',
  'loop.html': 'L{{httpInclude "/loop.html"}}',
  'random.html': '{{httpInclude (print "/footer.html?" uuidv4)}}',
  'missing.html': '{{httpInclude "/nope.html"}}',
  'bad.html': 'line one\n  {{.Nope.X}}',
  'parse.html': 'ok\n{{if}}',
  'badinclude.html': '{{include "bad.html"}}',
  'notfound.html': 'before{{httpError 404}}after',
  'style.css': 'a { b: "{{not a template}}" }',
  'files.html': '{{fileExists "header.html"}} {{fileExists "nope"}} {{len (listFiles "/dir")}} {{(fileStat "header.html").Size}} {{(fileStat "dir").IsDir}} {{stripHTML "<b class=\'x>y\'>bold</b> >"}} {{humanize "size" "1234567"}} {{env "TSWEB_TPL_TEST"}} {{pathEscape "a b/c"}}',
  'sprig.html': '{{default "d" ""}} {{upper "x"}} {{list 1 2 3 | join ","}} {{dict "a" 1 "b" 2 | toJson}} {{"a-b-c" | splitList "-" | last}} {{add 1 2}} {{trimSuffix ".md" "x.md"}} {{regexReplaceAll "a(x*)b" "-ab-axxb-" "${1}W"}}',
  'defines.html': '{{import "lib.html"}}{{template "greet" "you"}}',
  'lib.html': '{{define "greet"}}hi {{.}}{{end}}',
  'maybe.html': '[{{maybe "someplugin" 1}}]',
  'plain.txt': 'text {{1}}',
  'dir/a.txt': 'a',
  'dir/b.txt': 'b',
};

beforeAll(async () => {
  mkdirSync(join(root, 'dir'), { recursive: true });
  for (const [name, body] of Object.entries(files)) writeFileSync(join(root, name), body);
  process.env.TSWEB_TPL_TEST = 'from-env';
  port = await freePort();
  const fileServer = { handler: 'file_server', root };
  const routes = [
    { match: [{ path: ['/between/*'] }], handle: [{ handler: 'rewrite', strip_path_prefix: '/between' }, { handler: 'templates', file_root: root, delimiters: ['[[', ']]'] }, fileServer] },
    { match: [{ path: ['/onlyplain/*'] }], handle: [{ handler: 'rewrite', strip_path_prefix: '/onlyplain' }, { handler: 'templates', file_root: root, mime_types: ['text/plain'] }, fileServer] },
    { handle: [{ handler: 'vars', root }, { handler: 'templates' }, fileServer] },
  ];
  ({ stop } = await serve({ servers: { srv0: { listen: [`127.0.0.1:${port}`], routes } } }, logs.log));
  writeFileSync(join(root, 'between.html'), '[[.Req.URL.Path]] {{.Req.URL.Path}}');
});

afterAll(async () => {
  await stop?.();
  rmSync(dir, { recursive: true, force: true });
});

describe('templates handler', () => {
  it('executes an HTML page: include with args, request fields, cookies, response header, placeholders', async () => {
    const r = await send(port, '/index.html', { headers: { Cookie: 'flavor=mint; other=1', 'X-Test': 'yes' } });
    expect(r.status).toBe(200);
    expect(r.text).toBe(`<title>Home</title><p>/index.html GET 127.0.0.1 mint yes</p>GET`);
    expect(r.headers['x-from']).toBe('template');
    expect(r.headers['content-length']).toBe(String(Buffer.byteLength(r.text)));
    // Caddy drops what described the file, not the templated output.
    expect(r.headers.etag).toBeUndefined();
    expect(r.headers['last-modified']).toBeUndefined();
    expect(r.headers['accept-ranges']).toBeUndefined();
    expect(r.headers['content-type']).toBe('text/html; charset=utf-8');
  });

  it('renders a markdown page with YAML front matter as goldmark does (GFM tables, task lists, strikethrough, linkify, footnotes, heading ids)', async () => {
    const r = await send(port, '/page.html');
    expect(r.status).toBe(200);
    expect(r.text).toContain('<h1>Hello World</h1>[a][b]');
    expect(r.text).toContain('<h1 id="hello-there">Hello <em>there</em></h1>');
    expect(r.text).toContain('<li><input checked="" disabled="" type="checkbox"> done</li>');
    expect(r.text).toContain('<li><input disabled="" type="checkbox"> todo</li>');
    expect(r.text).toContain('<table>');
    expect(r.text).toContain('<td>1</td>');
    expect(r.text).toContain('<del>old</del>');
    expect(r.text).toContain('<a href="http://www.example.com">www.example.com</a>');
    expect(r.text).toContain('<sup id="fnref:1"><a href="#fn:1" class="footnote-ref" role="doc-noteref">1</a></sup>');
    expect(r.text).toContain('<div class="footnotes" role="doc-endnotes">');
  });

  it('reads TOML and JSON front matter', async () => {
    expect((await send(port, '/toml.html')).text).toBe('T/3/\nbody');
    expect((await send(port, '/json.html')).text).toBe('J|\nbody');
  });

  it('httpInclude runs a virtual GET through the same server, counting the depth', async () => {
    const r = await send(port, '/withinclude.html');
    expect(r.status).toBe(200);
    expect(r.text).toBe('<main><footer>/footer.html 1</footer></main>');
    // The template ran again after the include was fetched; the header it adds is there once.
    expect(r.headers['x-count']).toBe('1');
  });

  it('an include used as data (fromJson of its body) works once fetched', async () => {
    const r = await send(port, '/twoincludes.html');
    expect(r.status).toBe(200);
    expect(r.text).toBe('7 <footer>/footer.html 1</footer>');
  });

  it('an httpInclude cycle stops at Caddy\'s depth limit with a 500', async () => {
    const r = await send(port, '/loop.html');
    expect(r.status).toBe(500);
    const line = logs.lines.find((l) => l.msg.includes('virtual request cycle'));
    expect(line).toBeDefined();
  });

  it('httpInclude URIs that change on every run stop after a bound', async () => {
    const r = await send(port, '/random.html');
    expect(r.status).toBe(500);
    expect(logs.lines.some((l) => l.msg === 'template: /random.html: more than 32 httpInclude requests in one response')).toBe(true);
  });

  it('an httpInclude of a 404 is an error: 500, "http 404"', async () => {
    const r = await send(port, '/missing.html');
    expect(r.status).toBe(500);
    expect(logs.lines.some((l) => l.msg.includes('error calling httpInclude: http 404'))).toBe(true);
  });

  it('an index out of range in an included file is a 500, not a partial page', async () => {
    const r = await send(port, '/header.html');
    expect(r.status).toBe(500);
    expect(logs.lines.some((l) => l.msg === 'template: /header.html:1:9: executing "/header.html" at <index .Args 0>: error calling index: index out of range: 0')).toBe(true);
  });

  it('an execution error is a 500 with Go\'s message (name:line:col, the node) in the log', async () => {
    const r = await send(port, '/bad.html');
    expect(r.status).toBe(500);
    expect(r.text).toBe('');
    const line = logs.lines.find((l) => l.msg.startsWith('template: /bad.html'));
    expect(line?.msg).toBe('template: /bad.html:2:4: executing "/bad.html" at <.Nope.X>: can\'t evaluate field Nope in type *templates.TemplateContext');
    expect(line?.level).toBe('error');
  });

  it('a parse error is a 500 naming the line', async () => {
    expect((await send(port, '/parse.html')).status).toBe(500);
    expect(logs.lines.some((l) => l.msg === 'template: /parse.html:2: missing value for if')).toBe(true);
  });

  it('an error inside an included file names that file', async () => {
    expect((await send(port, '/badinclude.html')).status).toBe(500);
    expect(logs.lines.some((l) => l.msg === 'template: /badinclude.html:1:2: executing "/badinclude.html" at <include "bad.html">: error calling include: template: bad.html:2:4: executing "bad.html" at <.Nope.X>: can\'t evaluate field Nope in type *templates.TemplateContext')).toBe(true);
  });

  it('httpError answers with its status', async () => {
    const r = await send(port, '/notfound.html');
    expect(r.status).toBe(404);
    expect(r.text).toBe('');
  });

  it('leaves responses of other types alone (CSS streams through with its validators)', async () => {
    const r = await send(port, '/style.css');
    expect(r.text).toBe(files['style.css']);
    expect(r.headers.etag).toBeDefined();
  });

  it('mime_types chooses what is executed', async () => {
    expect((await send(port, '/onlyplain/plain.txt')).text).toBe('text 1');
    expect((await send(port, '/onlyplain/header.html')).text).toBe(files['header.html']);
    expect((await send(port, '/plain.txt')).text).toBe('text 1');
  });

  it('between sets the delimiters', async () => {
    expect((await send(port, '/between/between.html')).text).toBe('/between.html {{.Req.URL.Path}}');
  });

  it('file functions, stripHTML, humanize, env, pathEscape', async () => {
    const r = await send(port, '/files.html');
    expect(r.text).toBe(`true false 2 ${Buffer.byteLength(files['header.html']!)} true bold > 1.2 MB from-env a%20b%2Fc`);
  });

  it('Sprig functions', async () => {
    expect((await send(port, '/sprig.html')).text).toBe('d X 1,2,3 {"a":1,"b":2} c 3 x -W-xxW-');
  });

  it('import brings in definitions from another file', async () => {
    expect((await send(port, '/defines.html')).text).toBe('hi you');
  });

  it('maybe with an unknown function prints nothing and warns', async () => {
    expect((await send(port, '/maybe.html')).text).toBe('[]');
    expect(logs.lines.some((l) => l.level === 'warn' && l.msg === 'template function could not be found; ignoring invocation')).toBe(true);
  });

  it('a 304 from file_server passes through untemplated', async () => {
    const r = await send(port, '/plain.txt', { headers: { 'If-Modified-Since': new Date(Date.now() + 86_400_000).toUTCString() } });
    expect(r.status).toBe(304);
    expect(r.text).toBe('');
    expect(r.headers['content-length']).toBeUndefined();
  });

  it('HEAD gets the head of the templated response', async () => {
    const get = await send(port, '/plain.txt');
    const head = await send(port, '/plain.txt', { method: 'HEAD' });
    expect(get.text).toBe('text 1');
    expect(head.status).toBe(200);
    expect(head.text).toBe('');
    expect(head.headers.etag).toBeUndefined();
  });
});
