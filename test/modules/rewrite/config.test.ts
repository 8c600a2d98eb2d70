// The rewrite handler's JSON is checked at load: the JSON path, Go's words, Caddy's chain.
import { describe, expect, it } from 'vitest';
import { validateConfig } from '../../../src/runtime/validate.js';

const handler = (h: object) => ({ apps: { http: { servers: { srv0: { listen: [':80'], routes: [{ handle: [h] }] } } } } });
const chain = (name: string, detail: string) =>
  `loading http app module: provision http: server srv0: setting up route handlers: route 0: loading handler modules: position 0: loading module '${name}': provision http.handlers.${name}: ${detail}`;

describe('rewrite config', () => {
  it.each([
    [{ uri: 5 }, 'uri: json: cannot unmarshal number into Go value of type string'],
    [{ uri_substring: [{ find: 'a', limit: '2' }] }, 'uri_substring[0].limit: json: cannot unmarshal string into Go value of type int'],
    [{ query: { set: [{ key: 'a', value: 'b' }] } }, 'query.set[0]: json: unknown field "value"'],
    [{ strip_prefix: '/api' }, 'json: unknown field "strip_prefix"'],
  ])('%j', (fields, detail) => {
    expect(() => validateConfig(handler({ handler: 'rewrite', ...fields }))).toThrow(chain('rewrite', detail));
  });
});
