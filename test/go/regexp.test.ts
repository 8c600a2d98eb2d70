/** RE2 patterns as Caddy users write them, translated to JavaScript with Go's meaning. */
import { describe, expect, it } from 'vitest';
import { compileRegexp } from '../../src/go/regexp.js';

const t = (p: string, s: string) => compileRegexp(p).re.test(s);

describe('RE2 → JavaScript', () => {
  it('flags: leading, mid-pattern (to the end of the group, across |) and scoped', () => {
    expect(t('(?i)^abc$', 'ABC')).toBe(true);
    expect(t('a(?i)b|c', 'C')).toBe(true);
    expect(t('a(?i)b|c', 'aB')).toBe(true);
    expect(t('^(?i:a)b$', 'Ab')).toBe(true);
    expect(t('^(?i:a)b$', 'AB')).toBe(false);
  });

  it("'.' excludes only \\n (not \\r as JavaScript's does) unless (?s)", () => {
    expect(t('^a.b$', 'a\rb')).toBe(true);
    expect(t('^a.b$', 'a\nb')).toBe(false);
    expect(t('(?s)^a.b$', 'a\nb')).toBe(true);
  });

  it('RE2-only syntax: \\z \\A, POSIX classes, \\pL, \\x{...}, \\Q..\\E, literal braces, escaped punctuation', () => {
    expect(t('^[[:digit:]]+\\z', '123')).toBe(true);
    expect(t('\\A/x', '/x')).toBe(true);
    expect(t('^\\pL+$', 'été')).toBe(true);
    expect(t('^caf\\x{e9}$', 'café')).toBe(true);
    expect(t('^\\Q.*\\E$', '.*')).toBe(true);
    expect(t('x{', 'x{')).toBe(true);
    expect(t('\\#\\_', '#_')).toBe(true);
    expect(t('^\\s$', '\u00a0')).toBe(false); // Go's \s is ASCII whitespace
  });

  it('group names by index, as Go’s SubexpNames', () => {
    expect(compileRegexp('(?P<a>x)(y)(?<b>z)(?:w)').names).toEqual(['', 'a', '', 'b']);
  });

  it('invalid patterns fail with Caddy’s message', () => {
    expect(() => compileRegexp('a(')).toThrow(/^compiling matcher regexp a\(:/);
    expect(() => compileRegexp('(?U)a')).toThrow(/ungreedy/);
  });
});
