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
