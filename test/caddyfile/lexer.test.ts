import { describe, expect, it } from 'vitest';
import { replaceEnvVars, tokenize } from '../../src/caddyfile/lexer.js';

type Tok = [text: string, line: number, quoted?: string];
const lex = (input: string): Tok[] =>
  tokenize(input, 'Caddyfile').map((t) => (t.quoted ? [t.text, t.line, t.quoted] : [t.text, t.line]));

// Cases from Caddy's caddyconfig/caddyfile/lexer_test.go (Apache-2.0), plus heredocs and backticks.
const cases: [name: string, input: string, expected: Tok[]][] = [
  ['one token', 'host:123', [['host:123', 1]]],
  ['blank lines count', 'host:123\n\n\t\t\tdirective', [['host:123', 1], ['directive', 3]]],
  ['block', 'host:123 {\n\tdirective\n}', [['host:123', 1], ['{', 1], ['directive', 2], ['}', 3]]],
  ['one-line block lexes (the parser rejects it)', 'host:123 { directive }', [['host:123', 1], ['{', 1], ['directive', 1], ['}', 1]]],
  ['comments', 'host:123 {\n#comment\ndirective\n# comment\nfoobar # another comment\n}', [['host:123', 1], ['{', 1], ['directive', 3], ['foobar', 5], ['}', 6]]],
  ['hash inside a word is not a comment', 'redir / /some/#/path', [['redir', 1], ['/', 1], ['/some/#/path', 1]]],
  ['comments at the top', '# comment at beginning of file\n# comment at beginning of line\nhost:123', [['host:123', 3]]],
  ['quoted value', 'a "quoted value" b\nfoobar', [['a', 1], ['quoted value', 1, '"'], ['b', 1], ['foobar', 2]]],
  ['escaped quotes in quotes', 'A "quoted \\"value\\" inside" B', [['A', 1], ['quoted "value" inside', 1, '"'], ['B', 1]]],
  ['escaped newline inside quotes keeps both', 'An escaped "newline\\\ninside" quotes', [['An', 1], ['escaped', 1], ['newline\\\ninside', 1, '"'], ['quotes', 2]]],
  ['backslash-newline continues the line', 'An escaped newline\\\noutside quotes', [['An', 1], ['escaped', 1], ['newline', 1], ['outside', 1], ['quotes', 1]]],
  ['continued line keeps its number', 'line1\\\nescaped\nline2\nline3', [['line1', 1], ['escaped', 1], ['line2', 3], ['line3', 4]]],
  ['two continuations', 'line1\\\nescaped1\\\nescaped2\nline4\nline5', [['line1', 1], ['escaped1', 1], ['escaped2', 1], ['line4', 4], ['line5', 5]]],
  ['other escapes in quotes keep the backslash', '"unescapable\\ in quotes"', [['unescapable\\ in quotes', 1, '"']]],
  ['backslash-letter in quotes', `"don't\\escape"`, [[`don't\\escape`, 1, '"']]],
  ['double backslash in quotes', `"don't\\\\escape"`, [[`don't\\\\escape`, 1, '"']]],
  ['backslash outside quotes keeps both', 'un\\escapable', [['un\\escapable', 1]]],
  ['escaped braces survive for the runtime replacer', 'respond \\{literal\\}', [['respond', 1], ['\\{literal\\}', 1]]],
  ['multi-line quoted string', 'A "quoted value with line\n\tbreak inside" {\n\tfoobar\n}', [['A', 1], ['quoted value with line\n\tbreak inside', 1, '"'], ['{', 2], ['foobar', 3], ['}', 4]]],
  ['windows path in quotes', '"C:\\php\\php-cgi.exe"', [['C:\\php\\php-cgi.exe', 1, '"']]],
  ['empty quoted string', 'empty "" string', [['empty', 1], ['', 1, '"'], ['string', 1]]],
  ['CR is dropped', 'skip those\r\nCR characters', [['skip', 1], ['those', 1], ['CR', 2], ['characters', 2]]],
  ['BOM is dropped', '\uFEFF:8080', [[':8080', 1]]],
  ['quote only opens at token start', 'a"b c"d', [['a"b', 1], ['c"d', 1]]],
  ['closing quote ends the token', '"a"b', [['a', 1, '"'], ['b', 1]]],
  ['comment right after a quoted token', '"a"#b\nc', [['a', 1, '"'], ['c', 2]]],
  ['backticks have no escapes', 'expression `{path} == "\\/x"`', [['expression', 1], ['{path} == "\\/x"', 1, '`']]],
  ['backtick only opens at token start', 'a`b` c', [['a`b`', 1], ['c', 1]]],
  ['quoted braces are tokens like any other', 'header X "{" "}"', [['header', 1], ['X', 1], ['{', 1, '"'], ['}', 1, '"']]],
  ['unicode space separates', 'a\u00A0b', [['a', 1], ['b', 1]]],
  ['unterminated quote at EOF becomes a word', 'a "b c', [['a', 1], ['b c', 1]]],
  ['heredoc', 'heredoc <<EOF\ncontent\nEOF same-line-arg', [['heredoc', 1], ['content', 1, '<'], ['same-line-arg', 3]]],
  ['long heredoc marker', 'heredoc <<VERY-LONG-MARKER\ncontent\nVERY-LONG-MARKER same-line-arg', [['heredoc', 1], ['content', 1, '<'], ['same-line-arg', 3]]],
  ['heredoc keeps inner blank lines', 'heredoc <<EOF\nextra-newline\n\nEOF same-line-arg', [['heredoc', 1], ['extra-newline\n', 1, '<'], ['same-line-arg', 4]]],
  ['empty heredoc', 'heredoc <<EOF\nEOF\nHERE same-line-arg', [['heredoc', 1], ['', 1, '<'], ['HERE', 3], ['same-line-arg', 3]]],
  ['heredoc strips the closing marker indentation', 'heredoc <<EOF\n    content\n    EOF same-line-arg', [['heredoc', 1], ['content', 1, '<'], ['same-line-arg', 3]]],
  [
    'heredoc keeps deeper indentation',
    'prev-line\n    heredoc <<EOF\n        multi\n        line\n        content\n    EOF same-line-arg\n    next-line',
    [['prev-line', 1], ['heredoc', 2], ['    multi\n    line\n    content', 2, '<'], ['same-line-arg', 6], ['next-line', 7]],
  ],
  ['heredoc body is raw', 'respond <<X\n"a" #b \\c {$NOPE}\nX', [['respond', 1], ['"a" #b \\c {$NOPE}', 1, '<']]],
  ['escaped heredoc is a word', 'not-a-heredoc \\<<EOF\ncontent', [['not-a-heredoc', 1], ['<<EOF', 1], ['content', 2]]],
  ['<< followed by a space is a word', 'a << b', [['a', 1], ['<<', 1], ['b', 1]]],
  ['heredoc with CRLF', 'h <<EOF\r\n  a\r\n  EOF\r\nx', [['h', 1], ['a', 1, '<'], ['x', 4]]],
];

describe('lexer', () => {
  it.each(cases)('%s', (_name, input, expected) => {
    expect(lex(input)).toEqual(expected);
  });

  it('records 1-based columns and the file name', () => {
    const toks = tokenize('a.com {\n\treverse_proxy  :8080\n}', 'sites/Caddyfile');
    expect(toks.map((t) => [t.text, t.line, t.col, t.file])).toEqual([
      ['a.com', 1, 1, 'sites/Caddyfile'],
      ['{', 1, 7, 'sites/Caddyfile'],
      ['reverse_proxy', 2, 2, 'sites/Caddyfile'],
      [':8080', 2, 17, 'sites/Caddyfile'],
      ['}', 3, 1, 'sites/Caddyfile'],
    ]);
  });

  it.each([
    ['missing marker', 'respond <<\nx\n', 'missing opening heredoc marker on line #1; must contain only alpha-numeric characters, dashes and underscores; got empty string'],
    ['too many <', ':80\n\nhandle {\n    respond <<<END\n    Hello\n    END\n}', "too many '<' for heredoc on line #4; only use two, for example <<END"],
    ['bad marker', 'respond <<E.F\nx\nE.F', "heredoc marker on line #1 must contain only alpha-numeric characters, dashes and underscores; got 'E.F'"],
    ['unterminated', 'a\nrespond <<EOF\nhello\nworld', 'incomplete heredoc <<EOF on line #4, expected ending marker EOF'],
    [
      'mismatched whitespace',
      ':80\n\nhandle {\n\trespond <<END\n\tline1\n\tline2\n  END\n}',
      'mismatched leading whitespace in heredoc <<END on line #5 [\tline1], expected whitespace [  ] to match the closing marker',
    ],
  ])('heredoc error: %s', (_name, input, message) => {
    expect(() => tokenize(input, 'Caddyfile')).toThrow(message);
  });
});

describe('env substitution before lexing', () => {
  const env = { HOST: 'example.com', PORT: '8080', EMPTY: '', SPACED: 'a b' };
  it.each([
    ['{$HOST}', 'example.com'],
    ['{$HOST}:{$PORT}', 'example.com:8080'],
    ['{$MISSING}', ''],
    ['{$MISSING:fallback}', 'fallback'],
    ['{$MISSING:a:b}', 'a:b'],
    ['{$EMPTY:fallback}', ''],
    ['{$}', '{$}'],
    ['{$HOST', '{$HOST'],
    ['"{$HOST}"', '"example.com"'],
    ['{$SPACED}', 'a b'],
    ['{host}', '{host}'],
  ])('%s → %s', (input, out) => {
    expect(replaceEnvVars(input, env)).toBe(out);
  });

  it('is one level deep', () => {
    expect(replaceEnvVars('{$A}', { A: '{$B}', B: 'no' })).toBe('{$B}');
  });

  it('can inject several tokens', () => {
    expect(lex(replaceEnvVars('reverse_proxy {$UPSTREAMS}', { UPSTREAMS: 'a:1 b:2' }))).toEqual([
      ['reverse_proxy', 1],
      ['a:1', 1],
      ['b:2', 1],
    ]);
  });
});
