import { describe, expect, it } from 'vitest';
import { ConfigValidationError, validateConfig } from '../../../src/runtime/validate.js';

const route = (handler: object) => ({ apps: { http: { servers: { srv0: { listen: [':80'], routes: [{ handle: [handler] }] } } } } });
const at = "setting up route handlers: route 0: loading handler modules: position 0: loading module 'error': provision http.handlers.error: ";

describe('error config: the JSON path of what Caddy would refuse', () => {
  it.each([
    ['a message that is not a string', route({ handler: 'error', error: ['x'] }), at + 'error: json: cannot unmarshal array into Go value of type string'],
    ["'message' for error", route({ handler: 'error', message: 'x' }), at + 'json: unknown field "message"'],
  ])('%s', (_name, config, message) => {
    expect(() => validateConfig(config)).toThrow(ConfigValidationError);
    expect(() => validateConfig(config)).toThrow(message);
  });
});
