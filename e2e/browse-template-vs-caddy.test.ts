// `file_server { browse <template_file> }` served by the real Caddy (2.6.2)
// and by the built tsweb from the same Caddyfile and the same directory:
// a custom listing template using the listing's fields, its items' fields
// and methods, breadcrumbs, Sprig and the request, with the query's sort,
// order, limit and offset. Bodies, statuses and Content-Type must be equal.
import { mkdirSync, symlinkSync, utimesSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Answer, label, type Pair, type Req, startPair } from './serve-diff.js';

const template = [
  '<!DOCTYPE html><title>{{.Name}}</title>',
  '<h1>{{range .Breadcrumbs}}<a href="{{.Link}}">{{.Text}}</a>/{{end}}</h1>',
  '<p>{{.Path}} up={{.CanGoUp}} dirs={{.NumDirs}} files={{.NumFiles}} sort={{.Sort}} order={{.Order}} limit={{.Limit}} offset={{.Offset}}</p>',
  '{{if .CanGoUp}}<a href="..">up</a>{{end}}',
  '<ul>{{range $i, $f := .Items}}',
  '<li class="{{if .IsDir}}dir{{else}}file{{end}}{{if .IsSymlink}} link{{end}}">{{$i}} <a href="{{.URL}}">{{.Name}}</a> {{html .Name}} {{.Size}} {{.HumanSize}} {{.Mode}} {{.ModTime}} {{.HumanModTime "Jan 2, 2006 15:04:05"}} {{.ModTime.Unix}}</li>{{end}}',
  '</ul>',
  '{{len .Items}} {{.Req.URL.Path}} {{.Req.URL.Query.Get "sort"}} {{.Host}} {{upper "sprig"}} {{.Items | len | add 100}}',
  '',
].join('\n');

let pair: Pair;
beforeAll(async () => {
  pair = await startPair(
    `{
	admin off
	auto_https off
}

:{{PORT:web}} {
	root * {{DIR}}/www
	file_server {
		browse {{DIR}}/listing.tpl
	}
}
`,
    (dir) => {
      const www = join(dir, 'www');
      mkdirSync(join(www, 'docs', 'deep'), { recursive: true });
      const when = new Date('2023-07-08T09:10:11.123Z');
      const files: Record<string, string> = { 'readme.txt': 'hello\n', 'Zeta.md': '# z\n'.repeat(600), '<odd & name>.html': '<p>', 'docs/guide.txt': 'g', 'docs/deep/x': '' };
      for (const [name, body] of Object.entries(files)) writeFileSync(join(www, name), body);
      symlinkSync('readme.txt', join(www, 'link-to-readme'));
      for (const name of [...Object.keys(files), 'docs', 'docs/deep']) utimesSync(join(www, name), when, when);
      writeFileSync(join(dir, 'listing.tpl'), template);
    },
  );
}, 30_000);
afterAll(() => pair?.stop());

function view(a: Answer | 'dropped'): unknown {
  if (a === 'dropped') return a;
  return { status: a.status, body: a.body, type: a.headers['content-type'] };
}

const same: Req[] = [
  { path: '/' },
  { path: '/?sort=size&order=desc' },
  { path: '/?sort=name&limit=2&offset=1' },
  { path: '/?sort=time&order=asc&limit=99', headers: { Host: 'files.example' } },
  { path: '/docs/' },
  { path: '/docs/deep/' },
];

describe('browse template_file: tsweb answers as Caddy does', () => {
  it.each(same.map((r) => [label(r), r] as const))('%s', async (_l, r) => {
    const [c, t] = await pair.both(r);
    expect(view(t)).toEqual(view(c));
    expect((t as Answer).status).toBe(200);
  });

  it('a template that fails is a 500 on both', async () => {
    writeFileSync(join(pair.dir, 'listing.tpl'), '{{.NoSuchField}}');
    const [c, t] = await pair.both({ path: '/docs/' });
    expect((c as Answer).status).toBe(500);
    expect((t as Answer).status).toBe(500);
    writeFileSync(join(pair.dir, 'listing.tpl'), template);
  });
});
