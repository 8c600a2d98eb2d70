import { describe, expect, it } from 'vitest';
import { adaptError, runDirectives } from '../../adapt/handlers-harness.js';

describe('root', () => {
  it.each([
    ['root /srv', undefined, '/srv'],
    ['root * /srv', undefined, '/srv'],
    // The Caddy shorthand ambiguity: one argument is the root even if it starts with `/`.
    ['root /var/www', undefined, '/var/www'],
    ['root /blog/* /srv/blog', [{ path: ['/blog/*'] }], '/srv/blog'],
    ['root ./', undefined, './'],
  ])('%s', (src, match, root) => {
    expect(runDirectives(src).values[0]!.value).toEqual({ ...(match ? { match } : {}), handle: [{ handler: 'vars', root }] });
  });

  it.each([
    ['root', 'too few arguments; must have at least a root path'],
    ['root * /a /b', 'too many arguments; should only be a matcher and a path'],
    ['root /a /b', ''],
  ])('%j', (src, msg) => {
    if (msg) expect(adaptError(src)).toContain(msg);
    // `root /a /b` is valid: `/a` is a path matcher.
    else expect(runDirectives(src).values[0]!.value).toMatchObject({ match: [{ path: ['/a'] }] });
  });
});

describe('fs', () => {
  it('names the file system for later handlers', () => {
    expect(runDirectives('fs embedded').values[0]!.value).toEqual({ handle: [{ handler: 'vars', fs: 'embedded' }] });
  });
  it.each(['fs', 'fs a b'])('rejects %j', (src) => {
    expect(adaptError(src)).toContain('Wrong argument count');
  });
});
