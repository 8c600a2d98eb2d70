// The invoke handler's JSON is checked at load: the JSON path, Go's words, Caddy's chain.
import { describe, expect, it } from 'vitest';
import { validateConfig } from '../../../src/runtime/validate.js';

const handler = (h: object) => ({ apps: { http: { servers: { srv0: { listen: [':80'], routes: [{ handle: [h] }] } } } } });
const chain = (name: string, detail: string) =>
  `loading http app module: provision http: server srv0: setting up route handlers: route 0: loading handler modules: position 0: loading module '${name}': provision http.handlers.${name}: ${detail}`;

describe('invoke config', () => {
  it.each([
    [{ name: 5 }, 'name: json: cannot unmarshal number into Go value of type string'],
    [{ route: 'api' }, 'json: unknown field "route"'],
    [{}, 'invoke: a route name is required'],
  ])('%j', (fields, detail) => {
    expect(() => validateConfig(handler({ handler: 'invoke', ...fields }))).toThrow(chain('invoke', detail));
  });
});
