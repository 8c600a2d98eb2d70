import { describe, expect, it } from 'vitest';
import { formatCaddyfile, formattingDifference } from '../../src/caddyfile/formatter.js';

// The named cases of Caddy's caddyconfig/caddyfile/formatter_test.go (TestFormatter,
// Apache-2.0), in the same order. Like the Go test, an expected output without a
// trailing newline gets one appended.
const caddyCases: [description: string, input: string, expect: string][] = [
  ['very simple', 'abc   def\n\tg hi jkl\nmn', 'abc def\ng hi jkl\nmn'],
  [
    'basic indentation, line breaks, and nesting',
    '  a\nb\n\n\tc {\n\t\td\n}\n\ne { f\n}\n\n\n\ng {\nh {\ni\n}\n}\n\nj { k {\nl\n}\n}\n\nm {\n\tn { o\n\t}\n\tp { q r\ns }\n}\n\n\t{\n{ t\n\t\tu\n\n\tv\n\nw\n}\n}',
    'a\nb\n\nc {\n\td\n}\n\ne {\n\tf\n}\n\ng {\n\th {\n\t\ti\n\t}\n}\n\nj {\n\tk {\n\t\tl\n\t}\n}\n\nm {\n\tn {\n\t\to\n\t}\n\tp {\n\t\tq r\n\t\ts\n\t}\n}\n\n{\n\t{\n\t\tt\n\t\tu\n\n\t\tv\n\n\t\tw\n\t}\n}',
  ],
  ['block spacing', 'a{\n\tb\n}\n\nc{ d\n}', 'a {\n\tb\n}\n\nc {\n\td\n}'],
  ['advanced spacing', 'abc {\n\tdef\n}ghi{\n\tjkl mno\npqr}', 'abc {\n\tdef\n}\n\nghi {\n\tjkl mno\n\tpqr\n}'],
  [
    'env var placeholders',
    '{$A}\n\nb {\n{$C}\n}\n\nd { {$E}\n}\n\n{ {$F}\n}\n',
    '{$A}\n\nb {\n\t{$C}\n}\n\nd {\n\t{$E}\n}\n\n{\n\t{$F}\n}',
  ],
  ['env var placeholders with port', ':{$PORT}', ':{$PORT}'],
  [
    'comments',
    '#a "\\n"\n\n #b {\n\tc\n}\n\nd {\ne#f\n# g\n}\n\nh { # i\n}',
    '#a "\\n"\n\n#b {\nc\n}\n\nd {\n\te#f\n\t# g\n}\n\nh {\n\t# i\n}',
  ],
  [
    'quotes and escaping',
    '"a \\"b\\" "#c\n\td\n\ne {\n"f"\n}\n\ng { "h"\n}\n\ni {\n\t"foo\nbar"\n}\n\nj {\n"\\"k\\" l m"\n}',
    '"a \\"b\\" "#c\nd\n\ne {\n\t"f"\n}\n\ng {\n\t"h"\n}\n\ni {\n\t"foo\nbar"\n}\n\nj {\n\t"\\"k\\" l m"\n}',
  ],
  ['bad nesting (too many open)', 'a\n{\n\t{\n}', 'a {\n\t{\n\t}\n'],
  ['bad nesting (too many close)', 'a\n{\n\t{\n}}}', 'a {\n\t{\n\t}\n}\n}\n'],
  ['json', 'foo\nbar      "{\\"key\\":34}"\n', 'foo\nbar "{\\"key\\":34}"'],
  ['escaping after spaces', 'foo \\"literal\\"', 'foo \\"literal\\"'],
  ['simple placeholders as standalone tokens', 'foo {bar}', 'foo {bar}'],
  ['simple placeholders within tokens', 'foo{bar} foo{bar}baz', 'foo{bar} foo{bar}baz'],
  ['placeholders and malformed braces', 'foo{bar} foo{ bar}baz', 'foo{bar} foo {\n\tbar\n}\n\nbaz'],
  ['hash within string is not a comment', 'redir / /some/#/path', 'redir / /some/#/path'],
  ['brace does not fold into comment above', '# comment\n{\n\tfoo\n}', '# comment\n{\n\tfoo\n}'],
  [
    'matthewpi/vscode-caddyfile-support#13',
    '{\n\temail {$ACMEEMAIL}\n\t#debug\n}\n\nblock {\n}\n',
    '{\n\temail {$ACMEEMAIL}\n\t#debug\n}\n\nblock {\n}\n',
  ],
  [
    'matthewpi/vscode-caddyfile-support#13 - bad formatting',
    '{\n\temail {$ACMEEMAIL}\n\t#debug\n\t}\n\n\tblock {\n\t}\n',
    '{\n\temail {$ACMEEMAIL}\n\t#debug\n}\n\nblock {\n}\n',
  ],
  [
    'keep heredoc as-is',
    "block {\n\theredoc <<HEREDOC\n\tHere's more than one space       Here's more than one space\n\tHEREDOC\n}\n",
    "block {\n\theredoc <<HEREDOC\n\tHere's more than one space       Here's more than one space\n\tHEREDOC\n}\n",
  ],
  [
    'Mixing heredoc with regular part',
    "block {\n\theredoc <<HEREDOC\n\tHere's more than one space       Here's more than one space\n\tHEREDOC\n\trespond \"More than one space will be eaten\"     200\n}\n\nblock2 {\n\theredoc <<HEREDOC\n\tHere's more than one space       Here's more than one space\n\tHEREDOC\n\trespond \"More than one space will be eaten\" 200\n}\n",
    "block {\n\theredoc <<HEREDOC\n\tHere's more than one space       Here's more than one space\n\tHEREDOC\n\trespond \"More than one space will be eaten\" 200\n}\n\nblock2 {\n\theredoc <<HEREDOC\n\tHere's more than one space       Here's more than one space\n\tHEREDOC\n\trespond \"More than one space will be eaten\" 200\n}\n",
  ],
  [
    'Heredoc as regular token',
    'block {\n\theredoc <<HEREDOC                                 "More than one space will be eaten"\n}\n',
    'block {\n\theredoc <<HEREDOC "More than one space will be eaten"\n}\n',
  ],
  [
    'Escape heredoc',
    'block {\n\theredoc \\<<HEREDOC\n\trespond "More than one space will be eaten"                           200\n}\n',
    'block {\n\theredoc \\<<HEREDOC\n\trespond "More than one space will be eaten" 200\n}\n',
  ],
  [
    'Preserve braces wrapped by backquotes',
    'block {respond `All braces should remain: {{now | date "2006"}}`}',
    'block {respond `All braces should remain: {{now | date "2006"}}`}',
  ],
  [
    'Preserve braces wrapped by quotes',
    'block {respond "All braces should remain: {{now | date `2006`}}"}',
    'block {respond "All braces should remain: {{now | date `2006`}}"}',
  ],
  [
    'Preserve quoted backticks and backticked quotes',
    'block { respond "`" } block { respond `"`}',
    'block {\n\trespond "`"\n}\n\nblock {\n\trespond `"`\n}',
  ],
  ['No trailing space on line before env variable', '{\n\ta\n\n\t{$ENV_VAR}\n}\n', '{\n\ta\n\n\t{$ENV_VAR}\n}\n'],
  [
    'issue #7425: multiline backticked string indentation',
    'https://localhost:8953 {\n    respond `Here are some random numbers:\n\n{{randNumeric 16}}\n\nHope this helps.`\n}',
    'https://localhost:8953 {\n\trespond `Here are some random numbers:\n\n{{randNumeric 16}}\n\nHope this helps.`\n}',
  ],
  [
    'imports before global options block keep standalone brace',
    'import ./conf.d/matcher_my_subnet.caddy\nimport ./conf.d/matcher_not_my_subnet.caddy\n{\n\torder crowdsec first\n\torder appsec after crowdsec\n}',
    'import ./conf.d/matcher_my_subnet.caddy\nimport ./conf.d/matcher_not_my_subnet.caddy\n{\n\torder crowdsec first\n\torder appsec after crowdsec\n}',
  ],
  // TestFormatImportStandaloneBrace
  [
    'standalone brace right after import lines stays standalone',
    'import a.caddy\nimport b.caddy\n{\n\torder x first\n}\n',
    'import a.caddy\nimport b.caddy\n{\n\torder x first\n}\n',
  ],
  [
    'with a blank line between, the brace joins the import and the blank line goes',
    'import a.caddy\n\n{\n\torder x first\n}\n',
    'import a.caddy {\n\torder x first\n}\n',
  ],
];

const withNewline = (s: string): string => (s.endsWith('\n') ? s : `${s}\n`);

describe('formatCaddyfile: Caddy formatter_test.go cases', () => {
  it.each(caddyCases)('%s', (_name, input, expected) => {
    expect(formatCaddyfile(input)).toBe(withNewline(expected));
  });
  it.each(caddyCases)('%s (idempotent)', (_name, input) => {
    const once = formatCaddyfile(input);
    expect(formatCaddyfile(once)).toBe(once);
  });
});

describe('formatCaddyfile: more behaviour', () => {
  const cases: [description: string, input: string, expect: string][] = [
    ['empty input is a single newline', '', '\n'],
    ['whitespace-only input is a single newline', ' \n\t\n ', '\n'],
    ['more than one blank line collapses to one', 'a\n\n\n\nb', 'a\n\nb\n'],
    ['a block opening on the line of a closing brace gets a blank line before it', 'a {\n\tb\n} c {\n\td\n}', 'a {\n\tb\n}\n\nc {\n\td\n}\n'],
    // Caddy keeps (at most one of) the blank lines the author wrote between blocks, but adds none.
    ['consecutive blocks on their own lines stay adjacent', 'a {\n\tb\n}\nc {\n\td\n}', 'a {\n\tb\n}\nc {\n\td\n}\n'],
    ['spaces and tabs inside a line collapse to one space', 'a {\n  reverse_proxy\t\t  localhost:8080    localhost:8081\n}', 'a {\n\treverse_proxy localhost:8080 localhost:8081\n}\n'],
    ['closing brace sharing a line moves to its own line', 'a {\n\tb }', 'a {\n\tb\n}\n'],
    ['a close brace glued to a word is structural', 'a {\n\tb}', 'a {\n\tb\n}\n'],
    ['trailing comment stays on its line', 'a {\n\tb   # note\n}', 'a {\n\tb # note\n}\n'],
    ['comment text is verbatim', '#   spaced    comment  \na', '#   spaced    comment  \na\n'],
    ['quoted strings keep inner spacing', 'header  X   "a   b"', 'header X "a   b"\n'],
    ['backtick strings keep inner spacing', 'respond   `a   {b}   c`', 'respond `a   {b}   c`\n'],
    ['matchers and placeholders are words', '@api   path /api/*\nreverse_proxy  @api {upstream}', '@api path /api/*\nreverse_proxy @api {upstream}\n'],
    ['heredoc body and closing indentation verbatim', 'a {\nrespond <<EOF\n    x   y\n  EOF   200\n}', 'a {\n\trespond <<EOF\n    x   y\n  EOF 200\n}\n'],
    ['windows line endings are dropped', 'a {\r\n\tb\r\n}\r\n', 'a {\n\tb\n}\n'],
    ['byte order mark is kept', '\uFEFFa {\n b\n}', '\uFEFFa {\n\tb\n}\n'],
    ['non-ASCII text is copied', 'respond  "héllo 🌍"   200', 'respond "héllo 🌍" 200\n'],
    ['a < at a token start is an ordinary word', 'foo < bar', 'foo < bar\n'],
    // From Caddy's import_block_snippet_non_replaced_block adapt test; 2.6.2 left a trailing space after localhost:3000.
    [
      'no trailing space before a line that starts with a placeholder',
      '(snippet) {\n\theader {\n\t\treverse_proxy localhost:3000\n\t\t{block}\n\t}\n}',
      '(snippet) {\n\theader {\n\t\treverse_proxy localhost:3000\n\t\t{block}\n\t}\n}\n',
    ],
    ['line continuation keeps the backslash-newline', 'a {\n\treverse_proxy \\\n\t\tb\n}', 'a {\n\treverse_proxy \\\n b\n}\n'],
    // Divergences from Caddy where Caddy's output would change the config's meaning:
    ['backtick string starting a line keeps its place', 'a {\n\t`b c`\n}', 'a {\n\t`b c`\n}\n'],
    ['escape starting a line keeps its place', 'a {\n\\"b c\\"\n}', 'a {\n\t\\"b c\\"\n}\n'],
    ['a lone < before a heredoc-looking word is not a heredoc', 'a < <EOF\nb', 'a < <EOF\nb\n'],
    ['glued {{ keeps both braces', 'respond {{.Host}}', 'respond {{.Host}}\n'],
  ];
  it.each(cases)('%s', (_name, input, expected) => {
    const once = formatCaddyfile(input);
    expect(once).toBe(expected);
    expect(formatCaddyfile(once)).toBe(once);
  });

  it('caps indentation at 10 tabs however deep the nesting', () => {
    let input = '';
    for (let i = 0; i < 12; i++) input += `l${i} {\n`;
    input += 'x\n';
    for (let i = 0; i < 12; i++) input += '}\n';
    const out = formatCaddyfile(input);
    expect(out).toContain(`\n${'\t'.repeat(10)}l10 {\n`);
    expect(out).toContain(`\n${'\t'.repeat(10)}x\n`);
    expect(out).not.toContain('\t'.repeat(11));
  });
});

describe('formattingDifference', () => {
  const message = "Caddyfile input is not formatted; run 'tsweb fmt --overwrite' to fix inconsistencies";
  it('is null for formatted input', () => {
    expect(formattingDifference('Caddyfile', 'a {\n\tb\n}\n')).toBeNull();
  });
  it('ignores Windows line endings', () => {
    expect(formattingDifference('Caddyfile', 'a {\r\n\tb\r\n}\r\n')).toBeNull();
  });
  it('points at the first line that differs', () => {
    expect(formattingDifference('conf/Caddyfile', 'a {\n\tb\n  c\n}\n')).toEqual({ file: 'conf/Caddyfile', line: 3, message });
  });
  it('counts a missing final newline as a difference on the last line', () => {
    expect(formattingDifference('Caddyfile', 'a {\n\tb\n}')).toEqual({ file: 'Caddyfile', line: 3, message });
  });
});
