// browse with a template_file (Caddy's makeBrowseTemplate): the file runs as
// a Go text/template over the listing, with the templates handler's
// context and functions and Sprig's, re-read on every listing; the other
// answers (JSON) stay as they were; a broken template is a 500.
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { decodeFileServer } from '../../../src/modules/file_server/config.js';
import { respond, send, site, type Site } from '../../support/client.js';

const dir = mkdtempSync(join(tmpdir(), 'tsweb-browse-tpl-'));
const root = join(dir, 'site');
const tpl = join(dir, 'listing.tpl');
const when = new Date('2024-03-05T06:07:08Z');

describe('file_server browse template_file', () => {
  let s: Site;
  beforeAll(async () => {
    mkdirSync(join(root, 'sub', 'deeper'), { recursive: true });
    writeFileSync(join(root, 'a.txt'), 'x'.repeat(10));
    writeFileSync(join(root, 'B.md'), 'y'.repeat(3000));
    writeFileSync(join(root, '<b>.html'), 'z');
    symlinkSync('a.txt', join(root, 'link'));
    for (const f of ['a.txt', 'B.md', '<b>.html', 'sub']) utimesSync(join(root, f), when, when);
    writeFileSync(join(root, 'sub', 'deeper', 'f'), '1');
    const fs = (extra: object) => ({ handler: 'file_server', root, browse: { template_file: tpl, ...extra } });
    s = await site([
      { match: [{ path: ['/other/*'] }], handle: [{ handler: 'rewrite', strip_path_prefix: '/other' }, fs({ reveal_symlinks: true, sort: ['size', 'desc'] })] },
      { match: [{ path: ['/missing/*'] }], handle: [{ handler: 'rewrite', strip_path_prefix: '/missing' }, { handler: 'file_server', root, browse: { template_file: join(dir, 'nope.tpl') } }] },
      { match: [{ path: ['/inc'] }], handle: [respond('included {http.request.uri.path}')] },
      { handle: [fs({})] },
    ]);
  });
  afterAll(async () => {
    await s?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('prints the listing fields and items as Caddy names them, unescaped (text/template)', async () => {
    writeFileSync(
      tpl,
      '{{.Name}}|{{.Path}}|{{.CanGoUp}}|{{.NumDirs}}/{{.NumFiles}}|{{.Sort}} {{.Order}}|' +
        '{{range .Items}}[{{.Name}} {{.Size}} {{.URL}} {{.IsDir}} {{.IsSymlink}} {{.HumanSize}}]{{end}}\n',
    );
    const r = await send(s.port, '/');
    expect(r.status).toBe(200);
    expect(r.headers['content-type']).toBe('text/html; charset=utf-8');
    expect(r.text).toBe(
      '/|/|false|1/4|namedirfirst asc|[sub/ 4096 ./sub/ true false 4.0 KiB][<b>.html 1 ./%3Cb%3E.html false false 1 B][a.txt 10 ./a.txt false false 10 B][B.md 3000 ./B.md false false 2.9 KiB][link 10 ./link false true 10 B]\n',
    );
  });

  it('Mode, ModTime, HumanModTime, HasExt, Breadcrumbs and the totals', async () => {
    writeFileSync(
      tpl,
      '{{range .Items}}{{if .HasExt ".MD" ".txt"}}{{.Name}} {{.Mode}} {{.ModTime}} {{.HumanModTime "2006-01-02 15:04"}};{{end}}{{end}}' +
        '{{range .Breadcrumbs}}<{{.Link}}|{{.Text}}>{{end}} {{.TotalFileSize}} {{.TotalFileSizeFollowingSymlinks}} {{.HumanTotalFileSize}}',
    );
    const r = await send(s.port, '/');
    expect(r.text).toMatch(/^a\.txt -rw-[-rwx]{6} 2024-03-05 06:07:08 \+0000 UTC 2024-03-05 06:07;B\.md -rw-[-rwx]{6} 2024-03-05 06:07:08 \+0000 UTC 2024-03-05 06:07;</);
    // The link counts with its own size (5 bytes of "a.txt") in one total and its target's in the other.
    expect(r.text.endsWith('<|/> 3016 3021 2.9 KiB')).toBe(true);
    writeFileSync(tpl, '{{range .Items}}{{if .IsSymlink}}{{.Mode}}{{end}}{{if .IsDir}}{{.Mode}}{{end}}{{end}}');
    expect((await send(s.port, '/')).text).toMatch(/^drwx[-rwx]{6}Lrwxrwxrwx$/);
    const deep = await send(s.port, '/sub/deeper/');
    writeFileSync(tpl, '{{.Name}} {{.Path}} {{.CanGoUp}} {{range .Breadcrumbs}}<{{.Link}}|{{.Text}}>{{end}}');
    expect((await send(s.port, '/sub/deeper/')).text).toBe('deeper /sub/deeper true <../../|/><../|sub><|deeper>');
    expect(deep.status).toBe(200);
  });

  it('the query and the config: sort, order, limit, offset, layout; symlink targets when revealed', async () => {
    writeFileSync(tpl, '{{.Sort}} {{.Order}} {{.Limit}} {{.Offset}} {{.Layout}}:{{range .Items}} {{.Name}}{{with .SymlinkPath}}->{{.}}{{end}}{{end}}');
    expect((await send(s.port, '/?sort=name&order=desc&limit=2&offset=1&layout=grid')).text).toBe('name desc 2 1 grid: link B.md');
    expect((await send(s.port, '/?limit=99&layout=fancy')).text).toBe('namedirfirst asc 0 0 list: sub/ <b>.html a.txt B.md link');
    // a.txt and the link to it have the same size: their order is not given (Go's sort is not stable either).
    expect((await send(s.port, '/other/')).text).toMatch(/^size desc 0 0 : B\.md (link->a\.txt a\.txt|a\.txt link->a\.txt) <b>\.html sub\/$/);
  });

  it('has the templates functions, Sprig and the request', async () => {
    writeFileSync(tpl, '{{upper "x"}} {{.Req.URL.Path}} {{.Host}} {{include "a.txt"}} {{len .Items | add 1}} {{httpInclude "/inc"}}');
    expect((await send(s.port, '/', { headers: { Host: 'example.test' } })).text).toBe('X / example.test xxxxxxxxxx 6 included /inc');
  });

  it('edits show at once; JSON answers ignore the template', async () => {
    writeFileSync(tpl, 'one');
    expect((await send(s.port, '/')).text).toBe('one');
    writeFileSync(tpl, 'two');
    expect((await send(s.port, '/')).text).toBe('two');
    const json = await send(s.port, '/', { headers: { Accept: 'application/json' } });
    expect(JSON.parse(json.text)).toHaveLength(5);
  });

  it('a template that fails to parse or run, or is missing, is a 500', async () => {
    writeFileSync(tpl, '{{.Nope}}');
    expect((await send(s.port, '/')).status).toBe(500);
    writeFileSync(tpl, '{{if}}');
    expect((await send(s.port, '/')).status).toBe(500);
    expect((await send(s.port, '/missing/')).status).toBe(500);
    writeFileSync(tpl, '{{httpError 403}}');
    expect((await send(s.port, '/')).status).toBe(403);
  });

  it('the JSON config carries the file; an empty one means the built-in page', () => {
    expect(decodeFileServer({ handler: 'file_server', browse: { template_file: '/t.html' } }).browse?.templateFile).toBe('/t.html');
    expect(decodeFileServer({ handler: 'file_server', browse: { template_file: '' } }).browse?.templateFile).toBeNull();
  });
});
