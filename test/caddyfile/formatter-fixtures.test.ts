import { execFileSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { formatCaddyfile } from '../../src/caddyfile/formatter.js';
import { tokenize } from '../../src/caddyfile/lexer.js';

// Every Caddyfile under test/fixtures/caddyfiles/ (see the README there).
const dir = new URL('../fixtures/caddyfiles/', import.meta.url);
const files = readdirSync(dir).filter((f) => f.endsWith('.caddy')).sort();

// Formatting never changes the tokens, except on purpose: a `{` glued to the
// end of a word (`example.com{`) is split off so it opens the block it was
// meant to open, as Caddy's formatter does.
const tokens = (text: string) =>
  tokenize(text, 'Caddyfile').flatMap((t) =>
    t.quoted === '' && t.text.length > 1 && t.text.endsWith('{') && !t.text.endsWith('{{')
      ? [[t.text.slice(0, -1), ''], ['{', '']]
      : [[t.text, t.quoted]],
  );

// Inputs whose formatting changed after Caddy 2.6.2 (the installed reference):
// heredocs did not exist yet; #7425 (multi-line backticks) and the standalone
// `{` after a top-level import were fixed later.
const newerThanCaddy262 = new Set(['heredoc.caddy', 'heredoc_variants.caddy', 'backtick_templates.caddy', 'import_before_global_options.caddy']);

describe('formatter on the fixture corpus', () => {
  it('has fixtures', () => {
    expect(files.length).toBeGreaterThanOrEqual(20);
  });

  describe.each(files)('%s', (file) => {
    const input = readFileSync(new URL(file, dir), 'utf8');
    const once = formatCaddyfile(input);

    it('is idempotent', () => {
      expect(formatCaddyfile(once)).toBe(once);
    });

    it('only changes whitespace', () => {
      const ink = (s: string) => s.replace(/\s+/g, '');
      expect(ink(once)).toBe(ink(input));
    });

    it('lexes to the same tokens as the input', () => {
      expect(tokens(once)).toEqual(tokens(input));
    });

    it('ends in exactly one newline and uses tabs for indentation', () => {
      expect(once).toMatch(/[^\s]\n$/);
      expect(once.startsWith(' ') || once.startsWith('\t')).toBe(false);
      expect(once).not.toContain('\r');
    });
  });
});

describe('formatter agrees with caddy fmt (2.6.2) on the fixtures it can read', () => {
  it.each(files.filter((f) => !newerThanCaddy262.has(f)))('%s', (file) => {
    const input = readFileSync(new URL(file, dir), 'utf8');
    expect(formatCaddyfile(input)).toBe(execFileSync('caddy', ['fmt', '-'], { input, encoding: 'utf8' }));
  });
});
