import { describe, expect, it } from 'vitest';
import { adaptError, handlers, runDirectives } from '../../adapt/handlers-harness.js';

const images = { '@images': { path: ['/images/*'] } };

describe('header', () => {
  it.each([
    ['header Denis "Ritchie"', { set: { Denis: ['Ritchie'] } }],
    ['header +Edsger "Dijkstra"', { add: { Edsger: ['Dijkstra'] } }],
    ['header ?John "von Neumann"', { set: { John: ['von Neumann'] }, require: { headers: { John: null } } }],
    ['header -Wolfram', { delete: ['Wolfram'], deferred: true }],
    ['header >Set Defer', { set: { Set: ['Defer'] }, deferred: true }],
    [
      'header >Replace Deferred Replacement',
      { replace: { Replace: [{ search_regexp: 'Deferred', replace: 'Replacement' }] }, deferred: true },
    ],
    [
      'header Test-Dynamic ":{http.request.local.port}" "DYNAMIC-WORKS"',
      { replace: { 'Test-Dynamic': [{ search_regexp: ':{http.request.local.port}', replace: 'DYNAMIC-WORKS' }] } },
    ],
    ['header x-lower-case v', { set: { 'X-Lower-Case': ['v'] } }],
    ['header Empty', { set: { Empty: [''] } }],
  ])('%s', (line, response) => {
    expect(handlers(line)).toEqual([{ handler: 'headers', response }]);
  });

  // From Caddy's caddyfile_adapt tests (header.caddyfiletest), Apache-2.0.
  it('block: colon suffix, + and defer in one handler, ? split into a second one', () => {
    const out = handlers(`header {
	Grace: "Hopper" # some users habitually suffix field names with a colon
	+Ray "Solomonoff"
	?Tim "Berners-Lee"
	defer
}`);
    expect(out).toEqual([
      { handler: 'headers', response: { add: { Ray: ['Solomonoff'] }, set: { Grace: ['Hopper'] }, deferred: true } },
      { handler: 'headers', response: { set: { Tim: ['Berners-Lee'] }, require: { headers: { Tim: null } } } },
    ]);
  });

  it('match block and one-line match require a response status', () => {
    const { values } = runDirectives(
      `header @images {
	Cache-Control "public, max-age=3600"
	match {
		status 200
	}
}
header {
	+Link "Foo"
	+Link "Bar"
	match status 2xx 404
}`,
      images,
    );
    expect(values.map((v) => v.value)).toEqual([
      {
        match: [{ path: ['/images/*'] }],
        handle: [{ handler: 'headers', response: { set: { 'Cache-Control': ['public, max-age=3600'] }, require: { status_code: [200] } } }],
      },
      { handle: [{ handler: 'headers', response: { add: { Link: ['Foo', 'Bar'] }, require: { status_code: [2, 404] } } }] },
    ]);
  });

  it('match on response headers', () => {
    expect(handlers('header {\n\t-Server\n\tmatch header Content-Type text/html\n}')).toEqual([
      { handler: 'headers', response: { delete: ['Server'], deferred: true, require: { headers: { 'Content-Type': ['text/html'] } } } },
    ]);
  });

  it('a path matcher token is a matcher, not a field', () => {
    expect(runDirectives('header /api/* X-Api yes').values[0]!.value).toEqual({
      match: [{ path: ['/api/*'] }],
      handle: [{ handler: 'headers', response: { set: { 'X-Api': ['yes'] } } }],
    });
  });

  it('an empty header directive produces nothing', () => {
    expect(runDirectives('header').values).toEqual([]);
  });

  it.each([
    ['header X a {\n\tY b\n}', 'cannot specify headers in both arguments and block'],
    ['header @nope X a', 'unrecognized matcher name: @nope'],
    ['header {\n\tmatch {\n\t\tbogus 1\n\t}\n}', 'unrecognized response matcher bogus'],
    ['header {\n\tmatch status x\n}', "bad status value 'x'"],
    ['header {\n\tmatch status\n}', 'Wrong argument count'],
  ])('rejects %j', (src, msg) => {
    expect(adaptError(src)).toContain(msg);
  });
});
