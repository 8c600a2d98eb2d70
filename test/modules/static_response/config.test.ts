import { describe, expect, it } from 'vitest';
import { ConfigValidationError, validateConfig } from '../../../src/runtime/validate.js';

const route = (handler: object) => ({ apps: { http: { servers: { srv0: { listen: [':80'], routes: [{ handle: [handler] }] } } } } });
const at = "setting up route handlers: route 0: loading handler modules: position 0: loading module 'static_response': provision http.handlers.static_response: ";

describe('static_response config: the JSON path of what Caddy would refuse', () => {
  it.each([
    ['a body that is not a string', route({ handler: 'static_response', body: 42 }), at + 'body: json: cannot unmarshal number into Go value of type string'],
    ['a header value that is not a list', route({ handler: 'static_response', headers: { Location: '/x' } }), at + 'headers.Location: json: cannot unmarshal string into Go value of type []string'],
    ["'status' for status_code", route({ handler: 'static_response', status: 404 }), at + 'json: unknown field "status"'],
  ])('%s', (_name, config, message) => {
    expect(() => validateConfig(config)).toThrow(ConfigValidationError);
    expect(() => validateConfig(config)).toThrow(message);
  });
});
