import { describe, expect, it } from 'vitest';
import { validateConfig } from '../../../src/runtime/validate.js';

const proxy = (fields: object) => ({
  apps: { http: { servers: { srv0: { listen: [':80'], routes: [{ handle: [{ handler: 'reverse_proxy', upstreams: [{ dial: '127.0.0.1:9' }], ...fields }] }] } } } },
});
const chain = "route 0: loading handler modules: position 0: loading module 'reverse_proxy': provision http.handlers.reverse_proxy: ";

describe('reverse_proxy config errors name the JSON path', () => {
  it.each([
    ['a wrong type in an upstream', { upstreams: [{ dial: '127.0.0.1:9', max_requests: '10' }] }, 'upstreams[0].max_requests: json: cannot unmarshal string into Go value of type int'],
    ['an unknown handler field', { upstream: [] }, 'json: unknown field "upstream"'],
    ['an unknown transport field', { transport: { protocol: 'http', dial_timout: '1s' } }, 'transport: json: unknown field "dial_timout"'],
    ['an unknown selection policy field', { load_balancing: { selection_policy: { policy: 'cookie', nmae: 'x' } } }, 'load_balancing.selection_policy: json: unknown field "nmae"'],
    ['a Caddy field tsweb does not run yet', { stream_timeout: '1m' }, 'reverse_proxy: stream_timeout is not supported by tsweb yet'],
  ])('%s', (_name, fields, message) => {
    expect(() => validateConfig(proxy(fields))).toThrow(chain + message);
  });

  it('accepts the fields Caddy has that tsweb leaves to Node', () => {
    expect(() => validateConfig(proxy({ transport: { protocol: 'http', compression: false, keep_alive: { probe_interval: '30s' } }, health_checks: { passive: { fail_duration: '10s' } } }))).not.toThrow();
  });
});
