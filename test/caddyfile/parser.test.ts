import { mkdtempSync, mkdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { describe, expect, it } from 'vitest';
import { CaddyfileError } from '../../src/caddyfile/errors.js';
import { parseCaddyfile, type ServerBlock } from '../../src/caddyfile/parser.js';

/** A readable shape: keys, then each segment's token texts. */
const shape = (blocks: ServerBlock[]) => blocks.map((b) => ({ keys: b.keys.map((k) => k.text), segs: b.segments.map((s) => s.map((t) => t.text)) }));
const parse = (input: string, env: Record<string, string> = {}, file = 'Caddyfile') => shape(parseCaddyfile(file, input, { env }));

function parseError(input: string, file = 'Caddyfile'): CaddyfileError {
  try {
    parseCaddyfile(file, input, { env: {} });
  } catch (e) {
    expect(e).toBeInstanceOf(CaddyfileError);
    return e as CaddyfileError;
  }
  throw new Error('expected a parse error');
}

describe('server blocks', () => {
  it.each<[string, string, ReturnType<typeof parse>]>([
    ['one site', 'localhost:8080 {\n\trespond "hi"\n}', [{ keys: ['localhost:8080'], segs: [['respond', 'hi']] }]],
    ['braceless single site', 'localhost\nrespond hi\nlog', [{ keys: ['localhost'], segs: [['respond', 'hi'], ['log']] }]],
    ['address line only', 'localhost', [{ keys: ['localhost'], segs: [] }]],
    ['several keys', 'a.com b.com {\n\tfile_server\n}', [{ keys: ['a.com', 'b.com'], segs: [['file_server']] }]],
    ['comma keys across lines', 'a.com,\nb.com, c.com {\n\tfile_server\n}', [{ keys: ['a.com', 'b.com', 'c.com'], segs: [['file_server']] }]],
    ['lone comma is skipped', 'a.com , b.com {\n}', [{ keys: ['a.com', 'b.com'], segs: [] }]],
    ['brace on the next line', 'a.com\n{\n\trespond x\n}', [{ keys: ['a.com'], segs: [['respond', 'x']] }]],
    ['global options', '{\n\temail a@b.c\n}\na.com {\n}', [{ keys: [], segs: [['email', 'a@b.c']] }, { keys: ['a.com'], segs: [] }]],
    [
      'nested blocks stay in one segment',
      'a.com {\n\thandle /api/* {\n\t\treverse_proxy x {\n\t\t\tlb_policy first\n\t\t}\n\t}\n\tfile_server\n}',
      [{ keys: ['a.com'], segs: [['handle', '/api/*', '{', 'reverse_proxy', 'x', '{', 'lb_policy', 'first', '}', '}'], ['file_server']] }],
    ],
    ['quoted braces are arguments', ':8080 {\n\theader X-Curly-Open "{"\n\trespond "}"\n}', [{ keys: [':8080'], segs: [['header', 'X-Curly-Open', '{'], ['respond', '}']] }]],
    ['empty site block on one line', 'a.com { }', [{ keys: ['a.com'], segs: [] }]],
    ['{} in the middle of a line is a word', 'a.com {\n\trespond {} 200\n}', [{ keys: ['a.com'], segs: [['respond', '{}', '200']] }]],
    ['first directive on the brace line', 'a.com { respond x\n}', [{ keys: ['a.com'], segs: [['respond', 'x']] }]],
    ['a } may close a nested block at the end of a line', 'a.com {\n\tfoo {\n\t\tbar }\n}', [{ keys: ['a.com'], segs: [['foo', '{', 'bar', '}']] }]],
    ['heredoc argument', 'a.com {\n\trespond <<EOF\n\t\thello\n\t\tEOF 200\n}', [{ keys: ['a.com'], segs: [['respond', 'hello', '200']] }]],
  ])('%s', (_name, input, expected) => {
    expect(parse(input)).toEqual(expected);
  });

  it('marks braces', () => {
    const [b1] = parseCaddyfile('Caddyfile', 'a.com {\n}', { env: {} });
    const [b2] = parseCaddyfile('Caddyfile', 'a.com\nrespond x', { env: {} });
    expect(b1!.hasBraces).toBe(true);
    expect(b2!.hasBraces).toBe(false);
  });

  it('expands {$ENV} before parsing', () => {
    expect(parse('{$SITE:localhost} {\n\treverse_proxy {$UP}\n}', { UP: 'a:1 b:2' })).toEqual([{ keys: ['localhost'], segs: [['reverse_proxy', 'a:1', 'b:2']] }]);
  });
});

describe('site addresses (the head grammar)', () => {
  it.each<[string, string, ReturnType<typeof parse>]>([
    ['an empty word after a comma still carries on', 'a.com, ""\nb.com {\n}', [{ keys: ['a.com', 'b.com'], segs: [] }]],
    ['an empty word after an address does not', 'a.com ""\nrespond x', [{ keys: ['a.com'], segs: [['respond', 'x']] }]],
    ['a quoted trailing comma carries on (Caddy reads the value)', '"a.com,"\nb.com {\n}', [{ keys: ['a.com', 'b.com'], segs: [] }]],
    ['lines of lone commas', 'a.com,\n,\nb.com {\n}', [{ keys: ['a.com', 'b.com'], segs: [] }]],
    ['a line after an address without a comma is a directive', 'a.com\nb.com {\n}', [{ keys: ['a.com'], segs: [['b.com', '{', '}']] }]],
    ['a trailing comma in a directive does not carry on', 'a.com {\n\tfoo x,\n\tbar\n}', [{ keys: ['a.com'], segs: [['foo', 'x,'], ['bar']] }]],
    ['a block right after a closing brace', 'a.com {\n} b.com, c.com {\n}', [{ keys: ['a.com'], segs: [] }, { keys: ['b.com', 'c.com'], segs: [] }]],
  ])('%s', (_name, input, expected) => {
    expect(parse(input)).toEqual(expected);
  });

  it('no stack for 50,000 addresses (one line, or one per line after commas)', () => {
    const hosts = Array.from({ length: 50_000 }, (_, i) => `a${i}.com`);
    expect(parseCaddyfile('Caddyfile', `${hosts.join(' ')} {\n}`, { env: {} })[0]!.keys.length).toBe(50_000);
    expect(parseCaddyfile('Caddyfile', `${hosts.join(',\n')} {\n}`, { env: {} })[0]!.keys.length).toBe(50_000);
  });

  it('10,000 nested blocks are a positioned error, not a stack overflow', () => {
    const e = parseError(`a {\n${'route {\n'.repeat(10_000)}${'}\n'.repeat(10_001)}`);
    expect(e.reason).toBe('blocks nested more than 512 deep');
    expect(e.line).toBe(513);
  });
});

describe('structure errors', () => {
  it.each([
    ['one-line block', 'a.com {\n\tdir1 { a b }\n}', "Unexpected next token after '{' on same line", 2],
    ['brace on its own line inside a site', 'a.com {\n\treverse_proxy x\n\t{\n\t\tlb_policy first\n\t}\n}', "Unexpected '{' on a new line; did you mean to place the '{' on the previous line?", 3],
    ['{} ending a line', 'a.com {\n\tdir {}\n}', "Unexpected '{}' at end of line", 2],
    ['} on a directive line', 'a.com {\n\trespond hi }\n', "Unexpected '}' because no matching opening brace", 2],
    ['stray }', 'a.com {\n}\n}', "Unexpected '}' because no matching opening brace", 3],
    ['unclosed block', 'a.com {\n\thandle {\n\t\trespond x\n', 'Unexpected EOF', 3],
    ['trailing comma before {', 'a.com, {\n}', "Expected another address but had '{' - check for extra comma", 1],
    ['trailing comma at EOF', 'a.com,', 'Unexpected EOF', 1],
    ['address ending in {', 'a.com{\n}', "Site addresses cannot end with a curly brace: 'a.com{' - put a space between the token and the brace", 1],
    ['comma inside an address', 'a.com,b.com {\n}', "Site addresses cannot contain a comma ',': 'a.com,b.com' - put a space after the comma to separate site addresses", 1],
    ['matcher outside a site', '@foo {\n\tpath /foo\n}', 'request matchers may not be defined globally, they must be in a site block; found @foo', 1],
    ['snippet redeclared', '(s) {\n\ta\n}\n(s) {\n\tb\n}', 'redeclaration of previously declared snippet s', 4],
    ['snippet without block', '(s)\nrespond x', "Syntax error: Unexpected token 'respond', expecting '{'", 2],
    ['import without argument', 'a.com {\n\timport\n}', 'Wrong argument count or unexpected line ending after', 2],
    ['anonymous import block', '(s) {\n\t{block}\n}\na.com {\n\timport s {\n\t\t{\n\t\t\tx\n\t\t}\n\t}\n}', 'anonymous blocks are not supported', 6],
  ])('%s', (_name, input, message, line) => {
    const e = parseError(input);
    expect(e.reason).toContain(message);
    expect(e.file).toBe('Caddyfile');
    expect(e.line).toBe(line);
    expect(e.message).toContain(`at Caddyfile:${line}`);
  });

  it('shows the offending line with a caret', () => {
    const e = parseError('a.com {\n\tdir1 { a b }\n}');
    expect(e.pretty()).toContain('2 | \tdir1 { a b }');
    expect(e.pretty().split('\n').at(-1)).toMatch(/^ +\^$/);
    expect(e.col).toBe(7);
  });
});

describe('snippets and import', () => {
  it('splices a snippet with arguments', () => {
    const input = '(proxy) {\n\treverse_proxy {args[0]} {\n\t\theader_up X-Site {args[1]}\n\t}\n}\na.com {\n\timport proxy app:8080 "a b"\n}';
    expect(parse(input)).toEqual([{ keys: ['a.com'], segs: [['reverse_proxy', 'app:8080', '{', 'header_up', 'X-Site', 'a b', '}']] }]);
  });

  it.each([
    ['{args[:]}', ['a', 'b', 'c']],
    ['{args[1:]}', ['b', 'c']],
    ['{args[:2]}', ['a', 'b']],
    ['{args[1:2]}', ['b']],
  ])('variadic %s', (ph, expected) => {
    expect(parse(`(s) {\n\trespond ${ph}\n}\nx {\n\timport s a b c\n}`)[0]!.segs[0]).toEqual(['respond', ...expected]);
  });

  it('keeps unknown placeholders and the deprecated {args.N} form still works', () => {
    expect(parse('(s) {\n\trespond "{args.0} {host} {args[5]}"\n}\nx {\n\timport s hi\n}')[0]!.segs[0]).toEqual(['respond', 'hi {host} {args[5]}']);
  });

  it('fills {block} and {blocks.name}', () => {
    const input = '(s) {\n\thandle {\n\t\t{block}\n\t}\n\troute {\n\t\t{blocks.extra}\n\t}\n}\nx {\n\timport s {\n\t\trespond hi\n\t}\n}\ny {\n\timport s {\n\t\textra {\n\t\t\tredir /a\n\t\t}\n\t}\n}';
    const out = parse(input);
    expect(out[0]!.segs).toEqual([['handle', '{', 'respond', 'hi', '}'], ['route', '{', '}']]);
    expect(out[1]!.segs).toEqual([['handle', '{', 'extra', '{', 'redir', '/a', '}', '}'], ['route', '{', 'redir', '/a', '}']]);
  });

  it('a snippet can be a whole site', () => {
    const input = '(site) {\n\thttps://{args[0]} {\n\t\t{block}\n\t}\n}\nimport site test.domain {\n\treverse_proxy http://192.168.1.1:8080 {\n\t\theader_up Host {host}\n\t}\n}';
    expect(parse(input)).toEqual([{ keys: ['https://test.domain'], segs: [['reverse_proxy', 'http://192.168.1.1:8080', '{', 'header_up', 'Host', '{host}', '}']] }]);
  });

  it('records the import chain on spliced tokens and in errors', () => {
    const [b] = parseCaddyfile('Caddyfile', '(s) {\n\trespond x\n}\na {\n\timport s\n}', { env: {} });
    expect(b!.segments[0]![0]!.imports).toEqual(['Caddyfile:5 (import s)']);
    const e = parseError('(s) {\n\tfoo {}\n}\na {\n\timport s\n}');
    expect(e.message).toContain("import chain ['Caddyfile:5 (import s)']");
  });

  it('refuses a snippet that imports itself', () => {
    expect(parseError('(s) {\n\timport s\n}\na {\n\timport s\n}').reason).toContain('a cycle of imports exists between Caddyfile:s and Caddyfile:s');
  });

  describe('files', () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'tsweb-import-'));
    mkdirSync(path.join(dir, 'sites'));
    writeFileSync(path.join(dir, 'common.caddy'), 'encode gzip\nheader X-From {args[0]}\n');
    writeFileSync(path.join(dir, 'sites', 'a.caddy'), 'a.com {\n\timport ../common.caddy a\n}\n');
    writeFileSync(path.join(dir, 'sites', 'b.caddy'), 'b.com {\n\trespond b\n}\n');
    writeFileSync(path.join(dir, 'sites', '.hidden'), 'hidden.com {\n}\n');
    writeFileSync(path.join(dir, 'empty.caddy'), '\n\n');
    writeFileSync(path.join(dir, 'self.caddy'), 'import self.caddy\n');
    writeFileSync(path.join(dir, 'bad.caddy'), 'respond <<<X\nX\n');
    writeFileSync(path.join(dir, 'defs.caddy'), '(shared) {\n\trespond "{args[0]}"\n}\n');
    const main = path.join(dir, 'Caddyfile');

    it('imports a glob relative to the importing file, sorted, skipping dotfiles', () => {
      expect(parse('import sites/*', {}, main)).toEqual([
        { keys: ['a.com'], segs: [['encode', 'gzip'], ['header', 'X-From', 'a']] },
        { keys: ['b.com'], segs: [['respond', 'b']] },
      ]);
    });

    it('tags imported tokens with the absolute file name', () => {
      const [b] = parseCaddyfile(main, 'x {\n\timport common.caddy y\n}', { env: {} });
      expect(b!.segments[0]![0]!.file).toBe(path.join(dir, 'common.caddy'));
    });

    it('snippets defined in an imported file keep their placeholders until used', () => {
      expect(parse('import defs.caddy\nx {\n\timport shared hello\n}', {}, main)).toEqual([{ keys: ['x'], segs: [['respond', 'hello']] }]);
    });

    it('an empty file imports nothing and warns', () => {
      const warnings: string[] = [];
      const out = shape(parseCaddyfile(main, 'x {\n\timport empty.caddy\n\trespond y\n}', { env: {}, onWarning: (m) => warnings.push(m) }));
      expect(out).toEqual([{ keys: ['x'], segs: [['respond', 'y']] }]);
      expect(warnings.join()).toContain('Import file is empty');
    });

    it('a glob matching nothing warns, a missing file is an error', () => {
      expect(parse('x {\n\timport nothing/*\n}', {}, main)).toEqual([{ keys: ['x'], segs: [] }]);
      const e = parseError('x {\n\timport missing.caddy\n}', main);
      expect(e.reason).toBe('File to import not found: missing.caddy');
    });

    it('refuses globs with several wildcards', () => {
      expect(parseError('import */*', main).reason).toContain('Glob pattern may only contain one wildcard (*), but has others');
    });

    it('refuses a file that imports itself', () => {
      expect(parseError('import self.caddy', main).reason).toContain('a cycle of imports exists');
    });

    it('reports errors inside an imported file with its name', () => {
      expect(parseError('import bad.caddy', main).reason).toContain("Could not read tokens while importing");
    });
  });
});

describe('named routes', () => {
  it('keeps the body as one segment led by the name', () => {
    const [b] = parseCaddyfile('Caddyfile', '&(api) {\n\treverse_proxy x\n}', { env: {} });
    expect(b!.isNamedRoute).toBe(true);
    expect(shape([b!])).toEqual([{ keys: ['api'], segs: [['api', '{', 'reverse_proxy', 'x', '}']] }]);
  });
});
