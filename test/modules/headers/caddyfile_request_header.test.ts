import { describe, expect, it } from 'vitest';
import { adaptError, handlers } from '../../adapt/handlers-harness.js';

// Inputs follow Caddy's request_header.caddyfiletest (caddyfile_adapt tests, Apache-2.0).
describe('request_header', () => {
  it.each([
    ['request_header Test-Static value', { set: { 'Test-Static': ['value'] } }],
    ['request_header +X-Add a', { add: { 'X-Add': ['a'] } }],
    ['request_header -X-Gone', { delete: ['X-Gone'] }],
    ['request_header Accept-Encoding: identity', { set: { 'Accept-Encoding': ['identity'] } }],
    ['request_header Host "^www\\.(.*)$" "$1"', { replace: { Host: [{ search_regexp: '^www\\.(.*)$', replace: '$1' }] } }],
  ])('%s', (line, request) => {
    expect(handlers(line)).toEqual([{ handler: 'headers', request }]);
  });

  it.each([
    ['request_header', 'Wrong argument count'],
    ['request_header A b c d', 'Wrong argument count'],
    ['request_header ?X y', "the default header modifier ('?') can only be used on response headers"],
  ])('rejects %j', (src, msg) => {
    expect(adaptError(src)).toContain(msg);
  });
});
