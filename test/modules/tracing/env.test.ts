// The OpenTelemetry environment as Caddy's exporter and tracer provider read it.
import { describe, expect, it } from 'vitest';
import { batchFromEnv, exporterFromEnv, parseHeaders, resourceFromEnv } from '../../../src/modules/tracing/env.js';
import { samplerFromEnv } from '../../../src/modules/tracing/sampler.js';

const otlp = (env: NodeJS.ProcessEnv) => {
  const c = exporterFromEnv(env, []);
  if (c.kind !== 'otlp') throw new Error(`not otlp: ${c.kind}`);
  return c.otlp;
};

describe('exporter endpoint', () => {
  it.each([
    [{}, 'http/protobuf', 'https://localhost:4318/v1/traces'],
    [{ OTEL_EXPORTER_OTLP_PROTOCOL: 'grpc' }, 'grpc', 'https://localhost:4317/'],
    [{ OTEL_EXPORTER_OTLP_ENDPOINT: 'http://collector:4318' }, 'http/protobuf', 'http://collector:4318/v1/traces'],
    [{ OTEL_EXPORTER_OTLP_ENDPOINT: 'http://collector:4318/base/' }, 'http/protobuf', 'http://collector:4318/base/v1/traces'],
    [{ OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: 'http://collector:9999/custom' }, 'http/protobuf', 'http://collector:9999/custom'],
    [{ OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: 'https://collector' }, 'http/protobuf', 'https://collector/'],
    [{ OTEL_EXPORTER_OTLP_ENDPOINT: 'http://a:1', OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: 'http://b:2/t' }, 'http/protobuf', 'http://b:2/t'],
    [{ OTEL_EXPORTER_OTLP_PROTOCOL: 'grpc', OTEL_EXPORTER_OTLP_ENDPOINT: 'http://collector:4317' }, 'grpc', 'http://collector:4317/'],
    [{ OTEL_EXPORTER_OTLP_PROTOCOL: 'grpc', OTEL_EXPORTER_OTLP_ENDPOINT: 'collector:4317', OTEL_EXPORTER_OTLP_INSECURE: 'true' }, 'grpc', 'http://collector:4317/'],
    [{ OTEL_EXPORTER_OTLP_PROTOCOL: 'http/protobuf', OTEL_EXPORTER_OTLP_TRACES_PROTOCOL: 'grpc' }, 'grpc', 'https://localhost:4317/'],
  ])('%j → %s %s', (env, protocol, url) => {
    const s = otlp(env);
    expect(s.protocol).toBe(protocol);
    expect(s.url.href).toBe(url);
  });

  it('timeout, compression and headers (URL-decoded, bad pairs skipped with a warning)', () => {
    const warnings: string[] = [];
    const s = exporterFromEnv({ OTEL_EXPORTER_OTLP_TIMEOUT: '2500', OTEL_EXPORTER_OTLP_COMPRESSION: 'gzip', OTEL_EXPORTER_OTLP_HEADERS: 'api-key=a%2Cb, x = y ,broken,bad key=1' }, warnings);
    expect(s.kind === 'otlp' && s.otlp).toMatchObject({ timeoutMs: 2500, gzip: true, headers: [['api-key', 'a,b'], ['x', 'y']] });
    expect(warnings).toHaveLength(2);
    expect(parseHeaders('a=1,a=2', [])).toEqual([['a', '2']]);
  });

  it.each([
    [{ OTEL_EXPORTER_OTLP_PROTOCOL: 'http/json' }, "creating trace exporter error: invalid OTLP protocol - should be one of ['grpc', 'http/protobuf']"],
    [{ OTEL_TRACES_EXPORTER: 'jaeger' }, 'creating trace exporter error: unknown exporter or metrics producer'],
  ])('%j is refused as Caddy refuses it', (env, message) => {
    expect(() => exporterFromEnv(env, [])).toThrow(message);
  });

  it('none, console, and OTEL_SDK_DISABLED', () => {
    expect(exporterFromEnv({ OTEL_TRACES_EXPORTER: 'none' }, []).kind).toBe('none');
    expect(exporterFromEnv({ OTEL_TRACES_EXPORTER: 'console' }, []).kind).toBe('console');
    expect(exporterFromEnv({ OTEL_SDK_DISABLED: 'true', OTEL_TRACES_EXPORTER: 'jaeger' }, []).kind).toBe('none');
  });
});

describe('batch processor settings', () => {
  it('are the SDK defaults, and OTEL_BSP_* override them (the batch never larger than the queue)', () => {
    expect(batchFromEnv({}, [])).toEqual({ scheduleDelayMs: 5000, exportTimeoutMs: 30000, maxQueueSize: 2048, maxExportBatchSize: 512 });
    expect(batchFromEnv({ OTEL_BSP_SCHEDULE_DELAY: '100', OTEL_BSP_MAX_QUEUE_SIZE: '10', OTEL_BSP_MAX_EXPORT_BATCH_SIZE: '50', OTEL_BSP_EXPORT_TIMEOUT: '7' }, [])).toEqual({
      scheduleDelayMs: 100,
      exportTimeoutMs: 7,
      maxQueueSize: 10,
      maxExportBatchSize: 10,
    });
  });
});

describe('resource', () => {
  const engine = { name: 'tsweb', version: '9.9.9' };
  it('service.name: OTEL_SERVICE_NAME, then OTEL_RESOURCE_ATTRIBUTES, else unknown_service:<executable>; sorted by key', () => {
    const r = Object.fromEntries(resourceFromEnv({ OTEL_RESOURCE_ATTRIBUTES: 'service.name=from-attrs,deployment.environment=prod%20eu' }, engine, []));
    expect(r).toMatchObject({ 'service.name': 'from-attrs', 'deployment.environment': 'prod eu', 'webengine.name': 'tsweb', 'webengine.version': '9.9.9' });
    expect(Object.fromEntries(resourceFromEnv({ OTEL_SERVICE_NAME: 'svc', OTEL_RESOURCE_ATTRIBUTES: 'service.name=x' }, engine, []))['service.name']).toBe('svc');
    const d = resourceFromEnv({}, engine, []);
    expect(Object.fromEntries(d)['service.name']).toMatch(/^unknown_service:.+/);
    expect(d.map(([k]) => k)).toEqual([...d.map(([k]) => k)].sort());
  });
});

describe('sampler', () => {
  const parent = (flags: number) => ({ traceId: 'a'.repeat(32), spanId: 'b'.repeat(16), flags, traceState: '' });
  const low = '0'.repeat(16) + '0'.repeat(16); // last 8 bytes 0: below any ratio
  const high = '0'.repeat(16) + 'f'.repeat(16);

  it('defaults to parentbased_always_on', () => {
    const { sampler, error } = samplerFromEnv({});
    expect(error).toBeUndefined();
    expect(sampler(null, high)).toBe(true);
    expect(sampler(parent(1), high)).toBe(true);
    expect(sampler(parent(0), low)).toBe(false);
  });

  it('traceidratio compares the trace id low half with the ratio', () => {
    const { sampler } = samplerFromEnv({ OTEL_TRACES_SAMPLER: 'traceidratio', OTEL_TRACES_SAMPLER_ARG: '0.5' });
    expect(sampler(null, `${'0'.repeat(16)}3fffffffffffffff`)).toBe(true);
    expect(sampler(null, `${'0'.repeat(16)}8000000000000000`)).toBe(false);
    expect(sampler(parent(1), high)).toBe(false); // not parent-based
  });

  it('parentbased_traceidratio, always_off, parentbased_always_off', () => {
    const pb = samplerFromEnv({ OTEL_TRACES_SAMPLER: 'parentbased_traceidratio', OTEL_TRACES_SAMPLER_ARG: '0' }).sampler;
    expect(pb(null, low)).toBe(false);
    expect(pb(parent(1), high)).toBe(true);
    expect(samplerFromEnv({ OTEL_TRACES_SAMPLER: 'always_off' }).sampler(parent(1), low)).toBe(false);
    const pbo = samplerFromEnv({ OTEL_TRACES_SAMPLER: 'parentbased_always_off' }).sampler;
    expect(pbo(null, low)).toBe(false);
    expect(pbo(parent(1), low)).toBe(true);
  });

  it('a bad name or ratio is reported and the default used, as Go does', () => {
    const bad = samplerFromEnv({ OTEL_TRACES_SAMPLER: 'traceidratio', OTEL_TRACES_SAMPLER_ARG: '1.5' });
    expect(bad.error).toBe('invalid trace ID ratio: greater than 1.0');
    expect(bad.sampler(null, high)).toBe(true);
    expect(bad.sampler(parent(0), low)).toBe(false);
    expect(samplerFromEnv({ OTEL_TRACES_SAMPLER: 'sometimes' }).error).toBe('unsupported sampler: sometimes');
  });
});
