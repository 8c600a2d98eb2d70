import { describe, expect, it } from 'vitest';
import { ConfigValidationError, validateConfig } from '../../../src/runtime/validate.js';

const server = (route: object) => ({ apps: { http: { servers: { srv0: { listen: [':80'], routes: [route] } } } } });
const handler = "setting up route handlers: route 0: loading handler modules: position 0: loading module 'file_server': provision http.handlers.file_server: ";
const matcher = "setting up route matchers: route 0: loading matcher modules: module name 'file': provision http.matchers.file: ";

describe('file_server and file matcher config: the JSON path of what Caddy would refuse', () => {
  it.each([
    ['a hide entry that is not a list', server({ handle: [{ handler: 'file_server', hide: '.git' }] }), handler + 'hide: json: cannot unmarshal string into Go value of type []string'],
    ["'index' for index_names", server({ handle: [{ handler: 'file_server', index: ['a.html'] }] }), handler + 'json: unknown field "index"'],
    ['a field in a precompressed encoder, which has none', server({ handle: [{ handler: 'file_server', precompressed: { gzip: { level: 5 } } }] }), handler + 'precompressed.gzip: json: unknown field "level"'],
    ['try_files that is not a list', server({ match: [{ file: { try_files: '{path}' } }] }), matcher + 'try_files: json: cannot unmarshal string into Go value of type []string'],
    ["'try_file' for try_files", server({ match: [{ file: { try_file: ['{path}'] } }] }), matcher + 'json: unknown field "try_file"'],
  ])('%s', (_name, config, message) => {
    expect(() => validateConfig(config)).toThrow(ConfigValidationError);
    expect(() => validateConfig(config)).toThrow(message);
  });
});
