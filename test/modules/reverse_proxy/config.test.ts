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
    ['a Caddy field tsweb does not run yet', { circuit_breaker: { type: 'local' } }, 'reverse_proxy: circuit_breaker is not supported by tsweb yet'],
    ['a dynamic source Caddy lacks', { dynamic_upstreams: { source: 'consul' } }, 'loading dynamic upstream source module: unknown module: http.reverse_proxy.upstreams.consul'],
    ['a bad weight', { load_balancing: { selection_policy: { policy: 'weighted_round_robin', weights: [1, -1] } } }, 'weight of an upstream cannot be negative'],
    ['random_choose below 2', { load_balancing: { selection_policy: { policy: 'random_choose', choose: 1 } } }, 'choose must be at least 2'],
    ['query without a key', { load_balancing: { selection_policy: { policy: 'query' } } }, 'query key is required'],
    ['a wrong type in stream_timeout', { stream_timeout: true }, 'stream_timeout'],
  ])('%s', (_name, fields, message) => {
    expect(() => validateConfig(proxy(fields))).toThrow(chain + message);
  });

  it('accepts the fields Caddy has that tsweb leaves to Node', () => {
    expect(() => validateConfig(proxy({ transport: { protocol: 'http', compression: false, keep_alive: { probe_interval: '30s' } }, health_checks: { passive: { fail_duration: '10s' } } }))).not.toThrow();
  });
});
