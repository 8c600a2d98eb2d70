// The map handler's JSON is checked at load: the JSON path, Go's words, Caddy's chain.
import { describe, expect, it } from 'vitest';
import { validateConfig } from '../../../src/runtime/validate.js';

const handler = (h: object) => ({ apps: { http: { servers: { srv0: { listen: [':80'], routes: [{ handle: [h] }] } } } } });
const chain = (name: string, detail: string) =>
  `loading http app module: provision http: server srv0: setting up route handlers: route 0: loading handler modules: position 0: loading module '${name}': provision http.handlers.${name}: ${detail}`;

describe('map config', () => {
  it.each([
    [{ source: '{path}', destinations: '{x}' }, 'destinations: json: cannot unmarshal string into Go value of type []string'],
    [{ source: '{path}', destinations: ['{x}'], defaults: [1] }, 'defaults[0]: json: cannot unmarshal number into Go value of type string'],
    [{ source: '{path}', destinations: ['{x}'], mappings: [{ input: 'a', output: ['1'] }] }, 'mappings[0]: json: unknown field "output"'],
  ])('%j', (fields, detail) => {
    expect(() => validateConfig(handler({ handler: 'map', ...fields }))).toThrow(chain('map', detail));
  });

  it('takes outputs of any JSON type, as Caddy does', () => {
    expect(() => validateConfig(handler({ handler: 'map', source: '{path}', destinations: ['{x}'], mappings: [{ input: 'a', outputs: [{ n: [1, true] }] }] }))).not.toThrow();
  });
});
