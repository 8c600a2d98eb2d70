import { describe, expect, it } from 'vitest';
import { adaptError, runDirectives } from '../../adapt/handlers-harness.js';

const rewrite = (uri: string) => [{ handler: 'rewrite', uri }];

describe('try_files', () => {
  it('one route: a file matcher and a rewrite to the file it found', () => {
    expect(runDirectives('try_files {path} /index.html').values.map((v) => v.value)).toEqual([
      { match: [{ file: { try_files: ['{path}', '/index.html'] } }], handle: rewrite('{http.matchers.file.relative}') },
    ]);
  });

  it('a file with a query string gets its own route, all in one group', () => {
    const routes = runDirectives('try_files {path} {path}/ /index.php?{query}&p={path} =404').values.map((v) => v.value);
    expect(routes).toEqual([
      { group: 'group0', match: [{ file: { try_files: ['{path}', '{path}/'] } }], handle: rewrite('{http.matchers.file.relative}') },
      { group: 'group0', match: [{ file: { try_files: ['/index.php'] } }], handle: rewrite('{http.matchers.file.relative}?{query}&p={path}') },
      { group: 'group0', match: [{ file: { try_files: ['=404'] } }], handle: rewrite('{http.matchers.file.relative}') },
    ]);
  });

  it.each(['first_exist', 'first_exist_fallback', 'smallest_size', 'largest_size', 'most_recently_modified'])('policy %s', (policy) => {
    const [route] = runDirectives(`try_files a b {\n\tpolicy ${policy}\n}`).values;
    expect(route!.value).toMatchObject({ match: [{ file: { try_files: ['a', 'b'], try_policy: policy } }] });
  });

  it.each([
    ['try_files', 'Wrong argument count'],
    ['try_files a {\n\tpolicy biggest\n}', 'unrecognized try policy: biggest'],
    ['try_files a {\n\tpolicy first_exist\n\tpolicy first_exist\n}', 'try policy already configured'],
    ['try_files a {\n\tpolicy\n}', 'Wrong argument count'],
  ])('rejects %j', (src, msg) => {
    expect(adaptError(src)).toContain(msg);
  });
});
