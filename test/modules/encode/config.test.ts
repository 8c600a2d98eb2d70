import { describe, expect, it } from 'vitest';
import { ConfigValidationError, validateConfig } from '../../../src/runtime/validate.js';

const route = (handler: object) => ({ apps: { http: { servers: { srv0: { listen: [':80'], routes: [{ handle: [handler] }] } } } } });
const at = "setting up route handlers: route 0: loading handler modules: position 0: loading module 'encode': provision http.handlers.encode: ";

describe('encode config: the JSON path of what Caddy would refuse', () => {
  it.each([
    ['an encoder level of the wrong type', route({ handler: 'encode', encodings: { gzip: { level: 'best' } } }), at + 'encodings.gzip.level: json: cannot unmarshal string into Go value of type int'],
    ['an unknown encoder field', route({ handler: 'encode', encodings: { zstd: { speed: 1 } } }), at + 'encodings.zstd: json: unknown field "speed"'],
    ['a minimum_length with a unit', route({ handler: 'encode', minimum_length: '1k' }), at + 'minimum_length: json: cannot unmarshal string into Go value of type int'],
    ['an unknown response matcher field', route({ handler: 'encode', match: { status: [200] } }), at + 'match: json: unknown field "status"'],
  ])('%s', (_name, config, message) => {
    expect(() => validateConfig(config)).toThrow(ConfigValidationError);
    expect(() => validateConfig(config)).toThrow(message);
  });
});
