/**
 * The file matcher (try_files) against a real directory: policies, strict
 * file/directory convention, split_path, the =404 fallback, glob-safe
 * placeholders, traversal, and the placeholders it publishes.
 */
import { mkdirSync, mkdtempSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { compileTemplate } from '../../../src/core/replacer.js';
import { matcher, raw, rawJSON, startServer, type TestServer } from '../../support/harness.js';

let ts: TestServer;
let root: string;
beforeAll(async () => {
  ts = await startServer();
  const base = mkdtempSync(join(tmpdir(), 'tsweb-file-'));
  writeFileSync(join(base, 'secret.txt'), 'outside the root');
  root = join(base, 'site');
  mkdirSync(root);
  writeFileSync(join(root, 'index.html'), '<h1>home</h1>');
  writeFileSync(join(root, 'small.txt'), 'ab');
  writeFileSync(join(root, 'big.txt'), 'abcdefghij');
  writeFileSync(join(root, 'index.php'), '<?php');
  writeFileSync(join(root, 'star*.txt'), 'literal star');
  mkdirSync(join(root, 'docs'));
  writeFileSync(join(root, 'docs', 'a.md'), '# a');
  const old = new Date('2020-01-01T00:00:00Z');
  utimesSync(join(root, 'big.txt'), old, old);
});
afterAll(() => ts.close());

/** Provisions `file` with config and answers the published placeholders (or false). */
function use(config: Record<string, unknown>): void {
  const m = matcher('file', { root, ...config });
  const out = compileTemplate('{http.matchers.file.relative}|{http.matchers.file.type}|{http.matchers.file.remainder}');
  ts.handle = (ctx) => (m(ctx) ? out(ctx.repl) : false);
}

describe('file matcher', () => {
  it('defaults to the cleaned request path, which names files only', async () => {
    use({});
    expect(await rawJSON(ts.port, '/index.html')).toBe('/index.html|file|');
    expect(await rawJSON(ts.port, '/missing.html')).toBe(false);
    expect(await rawJSON(ts.port, '/docs')).toBe(false);
    // The path is cleaned (trailing slash dropped) unless the entry itself ends in '/', as in Caddy.
    expect(await rawJSON(ts.port, '/docs/')).toBe(false);
    expect(await rawJSON(ts.port, '/index.html/')).toBe('/index.html|file|');
  });

  it('first_exist tries in order, with placeholders (try_files {path} {path}/ /index.html)', async () => {
    use({ try_files: ['{http.request.uri.path}', '{http.request.uri.path}/', '/index.html'] });
    expect(await rawJSON(ts.port, '/small.txt')).toBe('/small.txt|file|');
    expect(await rawJSON(ts.port, '/docs')).toBe('/docs/|directory|');
    expect(await rawJSON(ts.port, '/app/route')).toBe('/index.html|file|');
  });

  it('size and time policies pick among all existing candidates', async () => {
    const files = ['/small.txt', '/big.txt', '/index.html', '/nope'];
    use({ try_files: files, try_policy: 'smallest_size' });
    expect(await rawJSON(ts.port, '/')).toBe('/small.txt|file|');
    use({ try_files: files, try_policy: 'largest_size' });
    expect(await rawJSON(ts.port, '/')).toBe('/index.html|file|');
    use({ try_files: ['/big.txt', '/small.txt'], try_policy: 'most_recently_modified' });
    expect(await rawJSON(ts.port, '/')).toBe('/small.txt|file|');
    use({ try_files: ['/nope', '/nada'], try_policy: 'largest_size' });
    expect(await rawJSON(ts.port, '/')).toBe(false);
    expect(() => matcher('file', { try_policy: 'random' })).toThrow('unknown try policy random');
  });

  it('first_exist_fallback (php_fastcgi) takes the last entry unchecked, if it is there at all', async () => {
    const files = ['{http.request.uri.path}', '{http.request.uri.path}/index.php', 'index.php'];
    use({ try_files: files, try_policy: 'first_exist_fallback', split_path: ['.php'] });
    expect(await rawJSON(ts.port, '/small.txt')).toBe('/small.txt|file|');
    // A directory is not a file for the earlier entries; the front controller answers.
    expect(await rawJSON(ts.port, '/docs')).toBe('/index.php|file|');
    expect(await rawJSON(ts.port, '/blog/2024/hello?x=1')).toBe('/index.php|file|');
    // Caddy calls the fallback a file without the strict check: here a directory.
    use({ try_files: ['/nope', '/docs'], try_policy: 'first_exist_fallback' });
    expect(await rawJSON(ts.port, '/')).toBe('/docs|file|');
    // Expanding the fallback is a glob, so a missing fallback matches nothing.
    use({ try_files: ['/nope', '/absent.php'], try_policy: 'first_exist_fallback' });
    expect(await rawJSON(ts.port, '/')).toBe(false);
  });

  it('split_path tries the script and keeps the remainder', async () => {
    use({ split_path: ['.php'] });
    expect(await rawJSON(ts.port, '/index.php/some/path')).toBe('/index.php|file|/some/path');
    expect(await rawJSON(ts.port, '/INDEX.PHP/x')).toBe(false); // split is case-insensitive, the file system is not
    expect(await rawJSON(ts.port, '/index.phpx/y')).toBe(false);
  });

  it('"=404" fails the request with that status when reached', async () => {
    use({ try_files: ['{http.request.uri.path}', '=404'] });
    expect(await rawJSON(ts.port, '/small.txt')).toBe('/small.txt|file|');
    const r = await raw(ts.port, '/missing');
    expect(r.status).toBe(404);
  });

  it('placeholder values cannot glob, literal globs in config can', async () => {
    use({});
    expect(await rawJSON(ts.port, '/*.txt')).toBe(false);
    expect(await rawJSON(ts.port, '/star*.txt')).toBe('/star*.txt|file|');
    use({ try_files: ['/docs/*.md'] });
    expect(await rawJSON(ts.port, '/')).toBe('/docs/a.md|file|');
  });

  it('never leaves the root', async () => {
    use({});
    expect(await rawJSON(ts.port, '/../secret.txt')).toBe(false);
    expect(await rawJSON(ts.port, '/..%2Fsecret.txt')).toBe(false);
    expect(await rawJSON(ts.port, '/../site/index.html')).toBe(false);
    expect(await rawJSON(ts.port, '/..%2F..%2Fetc%2Fpasswd')).toBe(false);
    expect(await rawJSON(ts.port, '/%2e%2e/%2e%2e/etc/passwd')).toBe(false);
  });

  it('root defaults to {http.vars.root} and publishes the absolute path', async () => {
    const m = matcher('file', {});
    ts.handle = (ctx) => {
      ctx.vars.set('root', root);
      return m(ctx) ? ctx.repl.get('http.matchers.file.absolute') : false;
    };
    expect(await rawJSON(ts.port, '/docs/a.md')).toBe(join(root, 'docs', 'a.md'));
  });
});
