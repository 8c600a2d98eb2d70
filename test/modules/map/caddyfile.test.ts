import { describe, expect, it } from 'vitest';
import { adaptError, handlers } from '../../adapt/handlers-harness.js';

describe('map', () => {
  // From Caddy's map_and_vars_with_raw_types.caddyfiletest (caddyfile_adapt tests), Apache-2.0.
  it('raw types, null, regexp inputs and defaults', () => {
    const out = handlers(`map {http.request.host} {my_placeholder} {magic_number} {
	example.com true 3
	foo.example.com "string value"
	(.*)\\.example.com "\${1} subdomain" "5"
	~.*\\.net$ - \`7\`
	~.*\\.xyz$ 123.456 "false"
	default "unknown domain" "-"
}`);
    expect(out).toEqual([
      {
        handler: 'map',
        source: '{http.request.host}',
        destinations: ['{my_placeholder}', '{magic_number}'],
        mappings: [
          { input: 'example.com', outputs: [true, 3] },
          { input: 'foo.example.com', outputs: ['string value', null] },
          { input: '(.*)\\.example.com', outputs: ['${1} subdomain', '5'] },
          { input_regexp: '.*\\.net$', outputs: [null, '7'] },
          { input_regexp: '.*\\.xyz$', outputs: [123.456, 'false'] },
        ],
        defaults: ['unknown domain', '-'],
      },
    ]);
  });

  it('fills missing defaults with empty strings', () => {
    expect(handlers('map {path} {a} {b} {\n\tdefault x\n}')).toEqual([
      { handler: 'map', source: '{path}', destinations: ['{a}', '{b}'], defaults: ['x', ''] },
    ]);
  });

  it.each([
    ['map', 'Wrong argument count'],
    ['map {path}', 'missing destination argument(s)'],
    ['map {path} {a} {\n\t/x 1 2\n}', 'too many outputs'],
    ['map {path} {a} {\n\tdefault 1\n\tdefault 2\n}', 'defaults already defined'],
    ['map {path} {http.request.host}', 'destination {host} conflicts with a Caddy placeholder shorthand'],
  ])('rejects %j', (src, msg) => {
    expect(adaptError(src)).toContain(msg);
  });
});
