import { describe, expect, it } from 'vitest';
import { adaptError, handlers, runDirectives } from '../../adapt/handlers-harness.js';

describe('respond', () => {
  it.each([
    ['respond 404', { status_code: 404 }],
    ['respond "Hello"', { body: 'Hello' }],
    ['respond 4040', { body: '4040' }],
    ['respond "404 page"', { body: '404 page' }],
    ['respond 000', { body: '000' }],
    ['respond "Not here" 404', { body: 'Not here', status_code: 404 }],
    ['respond "x" {http.vars.code}', { body: 'x', status_code: '{http.vars.code}' }],
    ['respond 200 {\n\tbody "ok"\n\tclose\n}', { status_code: 200, body: 'ok', close: true }],
    ['respond <<EOF\n\t<h1>hi</h1>\n\tEOF 200', { body: '<h1>hi</h1>', status_code: 200 }],
  ])('%j', (src, cfg) => {
    expect(handlers(src)).toEqual([{ handler: 'static_response', ...cfg }]);
  });

  it('a leading path is a matcher (`respond /health 200`)', () => {
    expect(runDirectives('respond /health 200').values[0]!.value).toEqual({
      match: [{ path: ['/health'] }],
      handle: [{ handler: 'static_response', status_code: 200 }],
    });
  });

  it.each([
    ['respond', 'Wrong argument count'],
    ['respond a b c', 'Wrong argument count'],
    ['respond "x" {\n\tbody y\n}', 'body already specified'],
    ['respond 200 {\n\tbody\n}', 'Wrong argument count'],
    ['respond 200 {\n\tclose\n\tclose\n}', 'close already specified'],
    ['respond 200 {\n\tstatus 1\n}', "unrecognized subdirective 'status'"],
  ])('rejects %j', (src, msg) => {
    expect(adaptError(src)).toContain(msg);
  });
});

describe('error', () => {
  // From Caddy's error_example.caddyfiletest (caddyfile_adapt tests), Apache-2.0.
  it.each([
    ['error /private* "Unauthorized" 403', { error: 'Unauthorized', status_code: 403 }],
    ['error 500', { status_code: 500 }],
    ['error "Oops"', { error: 'Oops' }],
    ['error 418 {\n\tmessage "teapot"\n}', { error: 'teapot', status_code: 418 }],
  ])('%j', (src, cfg) => {
    expect(handlers(src)).toEqual([{ handler: 'error', ...cfg }]);
  });

  it.each([
    ['error', 'Wrong argument count'],
    ['error "a" {\n\tmessage b\n}', 'message already specified'],
    ['error 500 {\n\tstatus 1\n}', "unrecognized subdirective 'status'"],
  ])('rejects %j', (src, msg) => {
    expect(adaptError(src)).toContain(msg);
  });
});

describe('abort', () => {
  it('aborts, with or without a matcher', () => {
    expect(handlers('abort\nabort /x')).toEqual([
      { handler: 'static_response', abort: true },
      { handler: 'static_response', abort: true },
    ]);
  });
  it.each([
    ['abort now', "Wrong argument count or unexpected line ending after 'now'"],
    ['abort {\n\tx\n}', "Unexpected token '{', expecting argument"],
  ])('rejects %j', (src, msg) => {
    expect(adaptError(src)).toContain(msg);
  });
});
