import { describe, expect, it } from 'vitest';
import { adaptError, runDirectives } from '../../adapt/handlers-harness.js';

const named = { '@named': { method: ['GET'] } };

// Permutations from Caddy's rewrite_directive_permutations.caddyfiletest (caddyfile_adapt tests), Apache-2.0.
describe('rewrite', () => {
  it.each([
    ['rewrite * /a', undefined, '/a'],
    ['rewrite /path /b', [{ path: ['/path'] }], '/b'],
    ['rewrite @named /c', [{ method: ['GET'] }], '/c'],
    // One argument is always the target, even when it looks like a path.
    ['rewrite /d', undefined, '/d'],
    ['rewrite /index.php?{query}', undefined, '/index.php?{query}'],
  ])('%s', (src, match, uri) => {
    const route = runDirectives(src, named).values[0]!.value;
    expect(route).toEqual({ ...(match ? { match } : {}), handle: [{ handler: 'rewrite', uri }] });
  });

  it.each([
    ['rewrite', 'too few arguments; must have at least a rewrite URI'],
    ['rewrite /a /b /c', 'too many arguments; should only be a matcher and a URI'],
    ['rewrite @missing /c', 'unrecognized matcher name: @missing'],
  ])('rejects %j', (src, msg) => {
    expect(adaptError(src, named)).toContain(msg);
  });
});

describe('method', () => {
  // From Caddy's method_directive.caddyfiletest.
  it('rewrites the method', () => {
    expect(runDirectives('method FOO').values[0]!.value).toEqual({ handle: [{ handler: 'rewrite', method: 'FOO' }] });
  });
  it('takes a matcher', () => {
    expect(runDirectives('method /api/* POST').values[0]!.value).toEqual({
      match: [{ path: ['/api/*'] }],
      handle: [{ handler: 'rewrite', method: 'POST' }],
    });
  });
  it.each(['method', 'method GET POST'])('rejects %j', (src) => {
    expect(adaptError(src)).toContain('Wrong argument count');
  });
});
