import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadEnvFiles, parseEnvFile } from '../../src/cli/envfile.js';

describe('parseEnvFile (Caddy\'s --envfile format)', () => {
  it.each([
    ['plain', 'KEY=value', { KEY: 'value' }],
    ['empty value', 'KEY=', { KEY: '' }],
    ['comments and blank lines', '# comment\n\n  # indented comment\nA=1\n', { A: '1' }],
    ['export prefix', 'export HOST=example.com', { HOST: 'example.com' }],
    ['trailing comment', 'PORT=8080 # the port', { PORT: '8080' }],
    ['= in value', 'Q=a=b', { Q: 'a=b' }],
    ['double quotes', 'MSG="hello world"', { MSG: 'hello world' }],
    ['single quotes', "MSG='hello world'", { MSG: 'hello world' }],
    ['quote then comment', 'MSG="hi" # greeting', { MSG: 'hi' }],
    ['# inside quotes', 'PASS="a#b"', { PASS: 'a#b' }],
    ['escaped quote', 'MSG="say \\"hi\\""', { MSG: 'say "hi"' }],
    ['multi-line quoted', 'CERT="line1\nline2\nline3"\nNEXT=1', { CERT: 'line1\nline2\nline3', NEXT: '1' }],
    ['CRLF', 'A=1\r\nB=2\r\n', { A: '1', B: '2' }],
    ['surrounding whitespace', '   A=1   ', { A: '1' }],
    ['later wins', 'A=1\nA=2', { A: '2' }],
  ])('%s', (_name, text, env) => {
    expect(Object.fromEntries(parseEnvFile(text))).toEqual(env);
  });

  it.each([
    ['no =', 'A=1\nJUSTAKEY', "can't parse line 2; line should be in KEY=VALUE format"],
    ['empty key', '=value', 'missing or empty key on line 1'],
    ['space in key', 'MY KEY=1', 'invalid key on line 1: contains whitespace: MY KEY'],
    ['space before value', 'KEY= value', "invalid value on line 1: whitespace before value: ' value'"],
    ['unterminated quote', 'A="open\nstill open', 'unterminated quoted value starting on line 1'],
    ['junk after quote', 'A="x"y', "invalid value on line 1: unexpected text after closing quote: 'y'"],
  ])('rejects %s', (_name, text, message) => {
    expect(() => parseEnvFile(text)).toThrow(message);
  });
});

describe('loadEnvFiles', () => {
  const dir = mkdtempSync(join(tmpdir(), 'tsweb-envfile-'));

  it('adds variables without overriding ones already set, in file order', () => {
    const a = join(dir, 'a.env');
    const b = join(dir, 'b.env');
    writeFileSync(a, 'SITE=a.example\nPORT=1\n');
    writeFileSync(b, 'PORT=2\nEXTRA=x\n');
    const env = loadEnvFiles([a, b], { PORT: '9', HOME: '/root' });
    expect(env).toEqual({ HOME: '/root', PORT: '9', SITE: 'a.example', EXTRA: 'x' });
  });

  it('names the file that cannot be read and the line that cannot be parsed', () => {
    expect(() => loadEnvFiles([join(dir, 'missing.env')], {})).toThrow(
      `loading additional environment variables: reading environment file: open ${join(dir, 'missing.env')}: no such file or directory`,
    );
    const bad = join(dir, 'bad.env');
    writeFileSync(bad, 'OK=1\nnot a pair\n');
    expect(() => loadEnvFiles([bad], {})).toThrow(
      "loading additional environment variables: parsing environment file: can't parse line 2; line should be in KEY=VALUE format",
    );
  });
});
