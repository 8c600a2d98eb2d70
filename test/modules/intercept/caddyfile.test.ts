import { describe, expect, it } from 'vitest';
import { adaptErr, handler, type J } from '../../adapt/proxy-harness.js';

const respond = (body: string): J => [{ handle: [{ body, handler: 'static_response' }] }];

// Shared by reverse_proxy and intercept: both take the same response-handling lines.
describe.each([
  ['reverse_proxy', 'reverse_proxy app:80'],
  ['intercept', 'intercept'],
])('%s response handling', (_name, opening) => {
  const hr = (block: string): J => handler(`${opening} {\n${block}\n}`).handle_response;

  // The ordering rules of reverse_proxy_handle_response.caddyfiletest and intercept_response.caddyfiletest
  // (Caddy's caddyfile_adapt tests, Apache-2.0): matched handlers first, in order; unmatched last.
  it('orders matched handlers first, keeping replace_status before handle_response', () => {
    const got = hr(
      [
        '@500 status 500',
        'replace_status @500 400',
        'replace_status {http.error.status_code}',
        'handle_response {',
        '\trespond "any"',
        '}',
        '@accel header X-Accel-Redirect *',
        'handle_response @accel {',
        '\trespond "accel"',
        '}',
        '@multi {',
        '\tstatus 401 403',
        '\tstatus 4xx',
        '\theader Foo *',
        '\theader !Bar',
        '}',
        'handle_response @multi {',
        '\trespond "multi"',
        '}',
      ].join('\n'),
    );
    expect(got).toEqual([
      { match: { status_code: [500] }, status_code: 400 },
      { match: { headers: { 'X-Accel-Redirect': ['*'] } }, routes: respond('accel') },
      { match: { headers: { Bar: null, Foo: ['*'] }, status_code: [401, 403, 4] }, routes: respond('multi') },
      { status_code: '{http.error.status_code}' },
      { routes: respond('any') },
    ]);
  });

  it('sorts the directives inside handle_response like a site block', () => {
    const got = hr('handle_response {\n\trespond "x"\n\theader X-A 1\n}');
    expect(got[0].routes.flatMap((r: J) => r.handle.map((x: J) => x.handler))).toEqual(['headers', 'static_response']);
  });

  it('omits routes for an empty handle_response block', () => {
    expect(hr('handle_response {\n}')).toEqual([{}]);
  });

  it.each([
    ['replace_status', 'must have one or two arguments: an optional response matcher, and a status code'],
    ['replace_status a b c', 'must have one or two arguments'],
    ['replace_status 500 400', "must use a named response matcher, starting with '@'"],
    ['replace_status @nope 400', "no named response matcher defined with name 'nope'"],
    ['@x status 500\nreplace_status @x 400 {\n\trespond "no"\n}', "cannot define routes for 'replace_status', use 'handle_response' instead."],
    ['handle_response header Foo {\n\trespond "x"\n}', "too many arguments for 'handle_response': only a single response matcher name is allowed, but got: [header Foo]"],
    ['handle_response 200 {\n\trespond "x"\n}', "must use a named response matcher, starting with '@'"],
    ['handle_response @nope {\n\trespond "x"\n}', "no named response matcher defined with name 'nope'"],
    ['@a status 200\n@a status 201', 'matcher is defined more than once: @a'],
    ['@a {\n\tstatus ok\n}', "bad status value 'ok'"],
    ['@a {\n\tbody x\n}', 'unrecognized response matcher body'],
    ['handle_response {\n\tnot_a_directive\n}', 'not_a_directive'],
  ])('rejects %j', (block, msg) => {
    expect(adaptErr(`${opening} {\n${block}\n}`)).toContain(msg);
  });
});

describe('intercept', () => {
  it('is just a handler with its response handlers', () => {
    expect(handler('intercept {\n\t@404 status 404\n\thandle_response @404 {\n\t\trespond "gone"\n\t}\n}')).toEqual({
      handle_response: [{ match: { status_code: [404] }, routes: respond('gone') }],
      handler: 'intercept',
    });
  });

  it('rejects reverse_proxy-only subdirectives', () => {
    expect(adaptErr('intercept {\n\tto app:80\n}')).toContain('unrecognized subdirective to');
  });
});

describe('copy_response and copy_response_headers', () => {
  const inHandleResponse = (lines: string): J =>
    handler(`reverse_proxy app:80 {\n\thandle_response {\n${lines}\n\t}\n}`).handle_response[0].routes;

  it.each<[string, J]>([
    ['copy_response', { handler: 'copy_response' }],
    ['copy_response 404', { handler: 'copy_response', status_code: 404 }],
    ['copy_response {\n\t\tstatus 503\n\t}', { handler: 'copy_response', status_code: 503 }],
    ['copy_response {\n\t\tstatus {http.reverse_proxy.status_code}\n\t}', { handler: 'copy_response', status_code: '{http.reverse_proxy.status_code}' }],
    // Like Caddy: anything but one positive status is ignored.
    ['copy_response 0', { handler: 'copy_response' }],
    ['copy_response_headers {\n\t\tinclude Foo Bar\n\t}', { handler: 'copy_response_headers', include: ['Foo', 'Bar'] }],
    ['copy_response_headers {\n\t\texclude Set-Cookie\n\t\texclude Server\n\t}', { handler: 'copy_response_headers', exclude: ['Set-Cookie', 'Server'] }],
    ['copy_response_headers', { handler: 'copy_response_headers' }],
  ])('%s', (line, expected) => {
    expect(inHandleResponse(line)).toEqual([{ handle: [expected] }]);
  });

  it('orders copy_response_headers after header and copy_response before respond', () => {
    const routes = inHandleResponse('copy_response 404\n\theader Foo bar\n\tcopy_response_headers {\n\t\tinclude Foo\n\t}');
    expect(routes.flatMap((r: J) => r.handle.map((x: J) => x.handler))).toEqual(['headers', 'copy_response_headers', 'copy_response']);
  });

  it('takes a matcher', () => {
    const routes = inHandleResponse('copy_response /x* 201');
    expect(routes).toEqual([{ handle: [{ handler: 'copy_response', status_code: 201 }], match: [{ path: ['/x*'] }] }]);
  });

  it.each([
    ['copy_response {\n\t\tcode 200\n\t}', "unrecognized subdirective 'code'"],
    ['copy_response {\n\t\tstatus\n\t}', 'Wrong argument count'],
    ['copy_response_headers Foo', 'Wrong argument count'],
    ['copy_response_headers {\n\t\tkeep Foo\n\t}', "unrecognized subdirective 'keep'"],
  ])('rejects %j', (line, msg) => {
    expect(adaptErr(`reverse_proxy app:80 {\n\thandle_response {\n${line}\n\t}\n}`)).toContain(msg);
  });
});
