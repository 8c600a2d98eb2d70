import { describe, expect, it } from 'vitest';
import { ConfigValidationError, validateConfig } from '../../../src/runtime/validate.js';

const route = (handler: object) => ({ apps: { http: { servers: { srv0: { listen: [':80'], routes: [{ handle: [handler] }] } } } } });
const at = "setting up route handlers: route 0: loading handler modules: position 0: loading module 'headers': provision http.handlers.headers: ";

describe('headers config: the JSON path of what Caddy would refuse', () => {
  it.each([
    ['a header value that is not a list', route({ handler: 'headers', response: { set: { A: 'x' } } }), at + 'response.set.A: json: cannot unmarshal string into Go value of type []string'],
    ['deferred on the request side', route({ handler: 'headers', request: { deferred: true } }), at + 'request: json: unknown field "deferred"'],
    ['a status class written as text in require', route({ handler: 'headers', response: { require: { status_code: ['2xx'] } } }), at + 'response.require.status_code[0]: json: cannot unmarshal string into Go value of type int'],
    ['an unknown replacement field', route({ handler: 'headers', request: { replace: { A: [{ find: 'a' }] } } }), at + 'request.replace.A[0]: json: unknown field "find"'],
  ])('%s', (_name, config, message) => {
    expect(() => validateConfig(config)).toThrow(ConfigValidationError);
    expect(() => validateConfig(config)).toThrow(message);
  });
});
