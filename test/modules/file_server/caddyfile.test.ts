import { describe, expect, it } from 'vitest';
import { fileHidden, globMatch } from '../../../src/modules/file_server/caddyfile.js';
import { adaptError, handlers } from '../../adapt/handlers-harness.js';

const hide = ['./Caddyfile'];

// Several inputs come from Caddy's file_server_*.caddyfiletest (caddyfile_adapt tests), Apache-2.0.
describe('file_server', () => {
  it.each([
    ['file_server', {}],
    ['file_server browse', { browse: {} }],
    ['file_server {\n\tdisable_canonical_uris\n}', { canonical_uris: false }],
    ['file_server {\n\tetag_file_extensions .b3sum .sha256\n}', { etag_file_extensions: ['.b3sum', '.sha256'] }],
    ['file_server {\n\tbrowse {\n\t\tfile_limit 4000\n\t}\n}', { browse: { file_limit: 4000 } }],
    ['file_server {\n\tbrowse {\n\t\tsort size desc\n\t}\n}', { browse: { sort: ['size', 'desc'] } }],
    ['file_server {\n\tbrowse /tpl.html {\n\t\treveal_symlinks\n\t}\n}', { browse: { template_file: '/tpl.html', reveal_symlinks: true } }],
    ['file_server {\n\tprecompressed zstd br gzip\n}', { precompressed: { zstd: {}, br: {}, gzip: {} }, precompressed_order: ['zstd', 'br', 'gzip'] }],
    ['file_server {\n\tprecompressed\n}', { precompressed: { br: {}, zstd: {}, gzip: {} }, precompressed_order: ['br', 'zstd', 'gzip'] }],
    ['file_server {\n\tstatus 403\n}', { status_code: 403 }],
    ['file_server {\n\tstatus {env.CUSTOM_STATUS}\n}', { status_code: '{env.CUSTOM_STATUS}' }],
    ['file_server {\n\troot /srv\n\tfs embedded\n\tindex index.htm default.htm\n\tpass_thru\n}', { fs: 'embedded', root: '/srv', index_names: ['index.htm', 'default.htm'], pass_thru: true }],
  ])('%j', (src, cfg) => {
    const out = handlers(src)[0] as Record<string, unknown>;
    expect(out).toEqual({ handler: 'file_server', hide, ...cfg });
  });

  it('keeps user hide patterns and adds the Caddyfile after them', () => {
    expect(handlers('file_server {\n\thide .git *.bak\n}')[0]).toMatchObject({ hide: ['.git', '*.bak', './Caddyfile'] });
  });

  it('does not add the Caddyfile when a pattern already hides it', () => {
    expect(handlers('file_server {\n\thide Caddy*\n}')[0]).toMatchObject({ hide: ['Caddy*'] });
  });

  it.each([
    ['file_server browse extra', 'Wrong argument count'],
    ['file_server list', 'Wrong argument count'],
    ['file_server browse {\n\tbrowse\n}', 'browsing is already configured'],
    ['file_server {\n\tfs a\n\tfs b\n}', 'file system already specified'],
    ['file_server {\n\tbrowse {\n\t\tsort random\n\t}\n}', "unknown sort option 'random'"],
    ['file_server {\n\tbrowse {\n\t\tfile_limit\n\t}\n}', 'file_limit should have an integer value'],
    ['file_server {\n\tbrowse {\n\t\tdark_mode\n\t}\n}', "unknown subdirective 'dark_mode'"],
    ['file_server {\n\tprecompressed lzma\n}', "getting module named 'http.precompressed.lzma'"],
    ['file_server {\n\thide\n}', 'Wrong argument count'],
    ['file_server {\n\tcompress\n}', "unknown subdirective 'compress'"],
  ])('rejects %j', (src, msg) => {
    expect(adaptError(src)).toContain(msg);
  });
});

describe('fileHidden / globMatch (Go filepath.Match semantics)', () => {
  it.each([
    ['Caddyfile', ['Caddyfile'], true],
    ['sub/Caddyfile', ['Caddyfile'], true],
    ['sub/Caddyfile', ['sub'], true],
    ['substance/file', ['sub'], false],
    ['/etc/caddy/Caddyfile', ['/etc/caddy'], true],
    ['/etc/caddyx/Caddyfile', ['/etc/caddy'], false],
    ['/etc/caddy/Caddyfile', ['/etc/*/Caddyfile'], true],
  ])('%s hidden by %j: %s', (file, patterns, want) => {
    expect(fileHidden(file, patterns)).toBe(want);
  });

  it.each([
    ['*.bak', 'a.bak', true],
    ['*.bak', 'dir/a.bak', false],
    ['file?', 'file1', true],
    ['[ab]c', 'bc', true],
    ['[^ab]c', 'bc', false],
    ['[^ab]c', 'cc', true],
  ])('%s ~ %s: %s', (p, n, want) => {
    expect(globMatch(p, n)).toBe(want);
  });
});
