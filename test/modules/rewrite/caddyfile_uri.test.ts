import { describe, expect, it } from 'vitest';
import { adaptError, handlers } from '../../adapt/handlers-harness.js';

describe('uri', () => {
  it.each([
    ['uri strip_prefix /api', { strip_path_prefix: '/api' }],
    ['uri strip_suffix .php', { strip_path_suffix: '.php' }],
    ['uri replace /old/ /new/', { uri_substring: [{ find: '/old/', replace: '/new/' }] }],
    ['uri replace a b 2', { uri_substring: [{ find: 'a', replace: 'b', limit: 2 }] }],
    ['uri replace a ""', { uri_substring: [{ find: 'a' }] }],
    // From Caddy's uri_replace_brace_escape.caddyfiletest (Apache-2.0): escapes stay for the runtime replacer.
    ['uri replace "\\}" %7D', { uri_substring: [{ find: '\\}', replace: '%7D' }] }],
    ['uri path_regexp /{2,} /', { path_regexp: [{ find: '/{2,}', replace: '/' }] }],
  ])('%s', (src, cfg) => {
    expect(handlers(src)).toEqual([{ handler: 'rewrite', ...cfg }]);
  });

  // From Caddy's uri_query_operations.caddyfiletest (caddyfile_adapt tests), Apache-2.0.
  it.each([
    ['uri query +foo bar', { add: [{ key: 'foo', val: 'bar' }] }],
    ['uri query -baz', { delete: ['baz'] }],
    ['uri query taz test', { set: [{ key: 'taz', val: 'test' }] }],
    ['uri query key=value example', { set: [{ key: 'key=value', val: 'example' }] }],
    ['uri query changethis>changed', { rename: [{ key: 'changethis', val: 'changed' }] }],
    [
      'uri query {\n\tfindme value replacement\n\t+foo1 baz\n}',
      { add: [{ key: 'foo1', val: 'baz' }], replace: [{ key: 'findme', search_regexp: 'value', replace: 'replacement' }] },
    ],
  ])('%s', (src, query) => {
    expect(handlers(src)).toEqual([{ handler: 'rewrite', query }]);
  });

  it.each([
    ['uri', 'Wrong argument count'],
    ['uri strip_prefix', 'Wrong argument count'],
    ['uri strip_prefix /a /b', 'Wrong argument count'],
    ['uri replace a', 'Wrong argument count'],
    ['uri replace a b c', 'limit must be an integer; invalid: strconv.Atoi: parsing "c": invalid syntax'],
    ['uri path_regexp a b 1', 'Wrong argument count'],
    ['uri query a b c d', 'Wrong argument count'],
    ['uri query -a b', 'Wrong argument count'],
    ['uri query +a', 'Wrong argument count'],
    ['uri query a>b c', 'Wrong argument count'],
    ['uri query a', 'Wrong argument count'],
    ['uri query a b {\n\tc d\n}', 'Cannot specify uri query rewrites in both argument and block'],
    ['uri lowercase', "unrecognized URI manipulation 'lowercase'"],
  ])('rejects %j', (src, msg) => {
    expect(adaptError(src)).toContain(msg);
  });
});
