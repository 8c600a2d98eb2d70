// Caddy's own tplcontext_test.go cases for the functions that need no
// request: splitFrontMatter, stripHTML, humanize; and goldmark's heading ids.
import { describe, expect, it } from 'vitest';
import { stripHTML } from '../../../src/modules/templates/context.js';
import { extractFrontMatter, splitFrontMatter } from '../../../src/modules/templates/frontmatter.js';
import { humanBytes, humanize, humanTime } from '../../../src/modules/templates/humanize.js';
import { renderMarkdown } from '../../../src/modules/templates/markdown.js';

describe('splitFrontMatter (Caddy TestSplitFrontMatter)', () => {
  it.each([
    ['---\r\ntitle: Welcome\r\n---\r\n# Test\\r\\n', 'Welcome', '\r\n# Test\\r\\n'],
    ['---\ntitle: Welcome\n---\n### Test', 'Welcome', '\n### Test'],
    ['---\ntitle: Welcome\n...\n### Test', 'Welcome', '\n### Test'],
    ['---\ntitle: Welcome\n---\n### Test\n...\nyeah', 'Welcome', '\n### Test\n...\nyeah'],
    ['+++\ntitle = "Welcome"\n+++\n### Test', 'Welcome', '\n### Test'],
    ['{\n    "title": "Welcome"\n}\n### Test', 'Welcome', '\n### Test'],
  ])('%j', (input, title, body) => {
    const doc = splitFrontMatter(input);
    expect(doc.Meta.title).toBe(title);
    expect(doc.Body).toBe(body);
  });

  it('no front matter: the whole input is the body', () => {
    expect(extractFrontMatter('# Just markdown\n')).toEqual([null, '# Just markdown\n']);
  });

  it('an unterminated front matter is an error', () => {
    expect(() => splitFrontMatter('---\ntitle: x\n# no end')).toThrow('unterminated front matter');
  });

  it('YAML values keep their types; dates are time.Time', () => {
    const doc = splitFrontMatter('---\nn: 3\nf: 1.5\nb: true\nl: [1, two]\nd: 2024-05-06\n---\n');
    expect(doc.Meta.n).toBe(3);
    expect(doc.Meta.f).toBe(1.5);
    expect(doc.Meta.b).toBe(true);
    expect(doc.Meta.l).toEqual([1, 'two']);
    expect(String((doc.Meta.d as { String(): string }).String())).toBe('2024-05-06 00:00:00 +0000 UTC');
  });
});

describe('stripHTML (Caddy TestStripHTML)', () => {
  it.each([
    ['h1', 'h1'],
    ['<h1>h1</h1>', 'h1'],
    ['<h1">">h1</h1>', 'h1'],
    ['<h1><b>h1</b></h1>', 'h1'],
    ['<h1', ''],
    ['<h1<b>hi', ''],
    ["<<>img src=x onerror=alert('XSS')>", ''],
    ['<<<<<>>>>><b>hello</b>', 'hello'],
    ['hello <world', 'hello '],
    ['<a href="foo>bar">text</a>', 'text'],
    ["<a href='foo>bar'>text</a>", 'text'],
    ['stray > bracket', 'stray > bracket'],
  ])('%s', (input, out) => {
    expect(stripHTML(input)).toBe(out);
  });
});

describe('humanize (Caddy TestHumanize, go-humanize)', () => {
  it('sizes in SI units', () => {
    expect(humanize('size', '2048000')).toBe('2.0 MB');
    expect([humanBytes(0), humanBytes(9), humanBytes(82854982), humanBytes(1000)]).toEqual(['0 B', '9 B', '83 MB', '1.0 kB']);
  });

  it('times relative to now, with a layout after "time:"', () => {
    expect(humanize('time', 'Fri, 05 May 2022 15:04:05 +0200')).toMatch(/ago$/);
    expect(humanize('time:2006-Jan-02', '2022-May-05')).toMatch(/ago$/);
    expect(() => humanize('time', 'Fri, 05 May 2022 15:04:05 GMT+0200')).toThrow(/^humanize: time cannot be parsed: /);
    const now = Date.UTC(2024, 0, 10);
    expect([humanTime(now, now), humanTime(now - 90_000, now), humanTime(now + 3 * 86_400_000, now), humanTime(now - 400 * 86_400_000, now)]).toEqual(['now', '1 minute ago', '3 days from now', '1 year ago']);
  });

  it('an unknown format is an error', () => {
    expect(() => humanize('bogus', '1')).toThrow('no know function was given');
  });
});

describe('markdown as goldmark renders it', () => {
  it('heading ids: ASCII letters and digits, duplicates numbered', () => {
    expect(renderMarkdown('# Hello, World!\n\n# Hello World\n\n# Ünïcode 2\n')).toBe('<h1 id="hello-world">Hello, World!</h1>\n<h1 id="hello-world-1">Hello World</h1>\n<h1 id="ncode-2">Ünïcode 2</h1>\n');
  });

  it('raw HTML passes (goldmark WithUnsafe), bare domains stay text', () => {
    expect(renderMarkdown('<div class="x">hi</div>\n\nsee example.com or https://example.com\n')).toBe('<div class="x">hi</div>\n<p>see example.com or <a href="https://example.com">https://example.com</a></p>\n');
  });
});
