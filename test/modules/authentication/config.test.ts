import { describe, expect, it } from 'vitest';
import { ConfigValidationError, validateConfig } from '../../../src/runtime/validate.js';

const route = (handler: object) => ({ apps: { http: { servers: { srv0: { listen: [':80'], routes: [{ handle: [handler] }] } } } } });
const at = "setting up route handlers: route 0: loading handler modules: position 0: loading module 'authentication': provision http.handlers.authentication: ";

describe('authentication config: the JSON path of what Caddy would refuse', () => {
  it.each([
    ['a password that is not a string', route({ handler: 'authentication', providers: { http_basic: { accounts: [{ username: 'a', password: 5 }] } } }), at + 'providers.http_basic.accounts[0].password: json: cannot unmarshal number into Go value of type string'],
    ['an unknown http_basic field', route({ handler: 'authentication', providers: { http_basic: { users: [] } } }), at + 'providers.http_basic: json: unknown field "users"'],
    ['a field in hash_cache, which has none', route({ handler: 'authentication', providers: { http_basic: { hash_cache: { size: 10 } } } }), at + 'providers.http_basic.hash_cache: json: unknown field "size"'],
  ])('%s', (_name, config, message) => {
    expect(() => validateConfig(config)).toThrow(ConfigValidationError);
    expect(() => validateConfig(config)).toThrow(message);
  });
});
