import { describe, expect, it } from 'vitest';
import { adaptCaddyfile } from '../../../src/adapt/index.js';
import { validateConfig } from '../../../src/runtime/validate.js';

const adapted = (body: string) => adaptCaddyfile(`:8884 {\n${body}\n}\n`, 'Caddyfile', { env: {} }).config;
const handlerOf = (config: ReturnType<typeof adapted>) => config.apps.http.servers.srv0.routes[0].handle[0];

describe('forward_auth output, checked as reverse_proxy config', () => {
  it('decodes whole and validates (its handle_response included)', () => {
    const config = adapted('forward_auth auth:9091 {\n\turi /check\n\tcopy_headers X-User\n}');
    expect(() => validateConfig(config)).not.toThrow();
  });
  it('a wrong type in its rewrite names the path', () => {
    const config = adapted('forward_auth auth:9091 {\n\turi /check\n}');
    handlerOf(config).rewrite.uri = 1;
    expect(() => validateConfig(config)).toThrow('provision http.handlers.reverse_proxy: rewrite.uri: json: cannot unmarshal number into Go value of type string');
  });
});
