// The subroute handler's JSON is checked at load: the JSON path, Go's words, Caddy's chain.
import { describe, expect, it } from 'vitest';
import { validateConfig } from '../../../src/runtime/validate.js';

const handler = (h: object) => ({ apps: { http: { servers: { srv0: { listen: [':80'], routes: [{ handle: [h] }] } } } } });
const chain = (name: string, detail: string) =>
  `loading http app module: provision http: server srv0: setting up route handlers: route 0: loading handler modules: position 0: loading module '${name}': provision http.handlers.${name}: ${detail}`;

describe('subroute config', () => {
  it.each([
    [{ routes: { handle: [] } }, 'routes: json: cannot unmarshal object into Go value of type caddyhttp.RouteList'],
    [{ errors: [] }, 'errors: json: cannot unmarshal array into Go value of type caddyhttp.HTTPErrorConfig'],
    [{ errors: { route: [] } }, 'errors: json: unknown field "route"'],
    [{ route: [] }, 'json: unknown field "route"'],
  ])('%j', (fields, detail) => {
    expect(() => validateConfig(handler({ handler: 'subroute', ...fields }))).toThrow(chain('subroute', detail));
  });
});
