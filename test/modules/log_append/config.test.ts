// The log_append handler's JSON is checked at load: the JSON path, Go's words, Caddy's chain.
import { describe, expect, it } from 'vitest';
import { validateConfig } from '../../../src/runtime/validate.js';

const handler = (h: object) => ({ apps: { http: { servers: { srv0: { listen: [':80'], routes: [{ handle: [h] }] } } } } });
const chain = (name: string, detail: string) =>
  `loading http app module: provision http: server srv0: setting up route handlers: route 0: loading handler modules: position 0: loading module '${name}': provision http.handlers.${name}: ${detail}`;

describe('log_append config', () => {
  it.each([
    [{ key: 'a', value: 1 }, 'value: json: cannot unmarshal number into Go value of type string'],
    [{ key: 'a', early: 'yes' }, 'early: json: cannot unmarshal string into Go value of type bool'],
    [{ key: 'a', val: 'x' }, 'json: unknown field "val"'],
  ])('%j', (fields, detail) => {
    expect(() => validateConfig(handler({ handler: 'log_append', ...fields }))).toThrow(chain('log_append', detail));
  });

  it('accepts early, which tsweb does not act on yet', () => {
    expect(() => validateConfig(handler({ handler: 'log_append', key: 'a', value: '{path}', early: true }))).not.toThrow();
  });
});
