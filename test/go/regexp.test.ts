/** RE2 patterns as Caddy users write them, translated to JavaScript with Go's meaning. */
import { describe, expect, it } from 'vitest';
import { compileRegexp } from '../../src/go/regexp.js';
import { matcher, rawJSON, startServer } from '../support/harness.js';

const t = (p: string, s: string) => compileRegexp(p).test(s);

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
    expect(() => compileRegexp('a(')).toThrow('compiling matcher regexp a(: error parsing regexp: missing closing ): `a(`');
  });

  it('the (?U) ungreedy flag works as in Go (it was refused before the linear engine)', () => {
    expect(compileRegexp('(?U)^(a+)').exec('aaa')?.[1]).toBe('a');
  });
});

describe('linear time', () => {
  const evil = '/' + 'a'.repeat(28) + 'b';
  const ms = (fn: () => unknown) => {
    const t = performance.now();
    fn();
    return performance.now() - t;
  };

  it('a pathological pattern answers in milliseconds', () => {
    const re = compileRegexp('^/(a+)+$');
    expect(re.engine).toBe('re2');
    expect(ms(() => expect(re.test(evil)).toBe(false))).toBeLessThan(50);
    expect(ms(() => expect(re.exec(evil)).toBeNull())).toBeLessThan(50);
    expect(ms(() => expect(compileRegexp('(x+x+)+y').exec('x'.repeat(5000))).toBeNull())).toBeLessThan(50);
  });

  it('through a path_regexp matcher', async () => {
    const m = matcher('path_regexp', { name: 'p', pattern: '^/(a+)+$' });
    let elapsed = Infinity;
    const ts = await startServer((ctx) => {
      const t = performance.now();
      const ok = m(ctx);
      elapsed = performance.now() - t;
      return ok ? ctx.repl.get('http.regexp.p.1') : ok;
    });
    try {
      expect(await rawJSON(ts.port, evil)).toBe(false);
      expect(elapsed).toBeLessThan(50);
      expect(await rawJSON(ts.port, '/aaa')).toBe('aaa');
    } finally {
      await ts.close();
    }
  });

  it('runs only provably linear patterns on the V8 engine', () => {
    const js = ['^/api/v(\\d+)/users/([a-z0-9-]+)$', '\\.(jpg|jpeg|png)$', '^(?P<sub>[^.]+)\\.example\\.com$', '^/(?P<first>[^/]+)/(.*)', '^/foo/(.*)/baz$', '^/x$', 'foo'];
    const re2 = ['^/(a+)+$', '(?i)^/a', 'a.*b', '^(.*)(.*)x$', '^/(a|b+)$', '^a*a+x', '[a-z]+x', '^(ab)*$', '\\bx', '^.*?x'];
    for (const p of js) expect([p, compileRegexp(p).engine]).toEqual([p, 'js']);
    for (const p of re2) expect([p, compileRegexp(p).engine]).toEqual([p, 're2']);
  });

  it('both engines give the same matches', () => {
    const patterns = ['^/api/v(\\d+)/users/([a-z0-9-]+)$', '\\.(jpg|jpeg|png)$', '^(?P<sub>[^.]+)\\.example\\.com$', '^/(?P<first>[^/]+)/(.*)', '^a.b$', '^[^\\s]+\\s\\S+', 'é(x|y)', '^/foo/(.*)/baz$', '^a*a$'];
    const inputs = ['/api/v2/users/abc-123', '/api/v/users/x', '/img/a.jpg', '/img/a.JPG', 'www.example.com', '.example.com', '/docs/a/b', '/docs', 'a\rb', 'a\nb', 'ab cd', 'é😀éy', '/foo/a/baz/baz', '/foo//baz', 'aaa', ''];
    for (const p of patterns) {
      const fast = compileRegexp(p);
      expect(fast.engine).toBe('js');
      const slow = compileRegexp(p, 're2');
      for (const s of inputs) {
        const a = fast.exec(s);
        const b = slow.exec(s);
        expect([p, s, a && [...Array.from({ length: a.length }, (_, i) => a[i])], a?.index]).toEqual([p, s, b && [...Array.from({ length: b.length }, (_, i) => b[i])], b?.index]);
      }
    }
  });
});
