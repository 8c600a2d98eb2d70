// The hand-written ExportTraceServiceRequest encoder, decoded by protobufjs (through @grpc/proto-loader) with the upstream field numbers.
import * as protoLoader from '@grpc/proto-loader';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { encodeExportRequest } from '../../../src/modules/tracing/otlp_proto.js';
import type { SpanRecord } from '../../../src/modules/tracing/span.js';

const def = protoLoader.loadSync(fileURLToPath(new URL('../../support/otlp_trace.proto', import.meta.url)), { keepCase: true, longs: String, bytes: Buffer, defaults: true, oneofs: true });
const decode = (b: Buffer) => (def['opentelemetry.proto.collector.trace.v1.TraceService'] as protoLoader.ServiceDefinition).Export!.requestDeserialize(b) as {
  resource_spans: Array<{ resource: { attributes: unknown[] }; scope_spans: Array<{ scope: { name: string; version: string }; spans: Array<Record<string, unknown>> }> }>;
};

const span = (over: Partial<SpanRecord> = {}): SpanRecord => ({
  traceId: '4bf92f3577b34da6a3ce929d0e0e4736',
  spanId: '00f067aa0ba902b7',
  parentSpanId: '',
  traceState: '',
  flags: 1,
  remoteParent: false,
  name: 'handler',
  startMs: 1_700_000_000_123.25, // doubles hold a quarter microsecond at this magnitude
  endMs: 1_700_000_000_124.5,
  attributes: [],
  statusCode: 0,
  statusMessage: '',
  ...over,
});

describe('encodeExportRequest', () => {
  it('round-trips ids, times in nanoseconds, flags, status and every attribute type', () => {
    const body = encodeExportRequest([['service.name', 'svc']], { name: 'scope', version: '1.2.3' }, [
      span({
        parentSpanId: 'a1b2c3d4e5f60718',
        traceState: 'k=v',
        remoteParent: true,
        name: 'GET /ünïcode',
        attributes: ['s', 'text', 'empty', '', 'n', 443, 'zero', 0, 'neg', -5, 'big', 2 ** 40, 't', true, 'f', false],
        statusCode: 2,
        statusMessage: 'Invalid HTTP status code 999',
      }),
      span({ spanId: '1111111111111111' }),
    ]);
    const req = decode(body);
    expect(req.resource_spans).toHaveLength(1);
    const rs = req.resource_spans[0]!;
    expect(rs.resource.attributes).toEqual([{ key: 'service.name', value: { string_value: 'svc', value: 'string_value' } }]);
    expect(rs.scope_spans[0]!.scope).toMatchObject({ name: 'scope', version: '1.2.3' });
    const [a, b] = rs.scope_spans[0]!.spans;
    expect((a!.trace_id as Buffer).toString('hex')).toBe('4bf92f3577b34da6a3ce929d0e0e4736');
    expect((a!.parent_span_id as Buffer).toString('hex')).toBe('a1b2c3d4e5f60718');
    expect(a!.trace_state).toBe('k=v');
    expect(a!.name).toBe('GET /ünïcode');
    expect(a!.kind).toBe(2);
    expect(a!.start_time_unix_nano).toBe('1700000000123250000');
    expect(a!.end_time_unix_nano).toBe('1700000000124500000');
    expect(a!.flags).toBe(0x301);
    expect(a!.status).toEqual({ code: 2, message: 'Invalid HTTP status code 999' });
    const attrs = Object.fromEntries((a!.attributes as Array<{ key: string; value: Record<string, unknown> }>).map((kv) => [kv.key, kv.value[kv.value.value as string]]));
    expect(attrs).toEqual({ s: 'text', empty: '', n: '443', zero: '0', neg: '-5', big: String(2 ** 40), t: true, f: false });
    expect((b!.parent_span_id as Buffer).length).toBe(0);
    expect(b!.flags).toBe(0x101);
    expect(b!.status).toEqual({ code: 0, message: '' });
  });

  it('a batch past 64 KiB, with long values: lengths of two and three bytes, the buffer grown', () => {
    const long = 'v'.repeat(20_000);
    const spans = Array.from({ length: 600 }, (_, i) => span({ spanId: (i + 1).toString(16).padStart(16, '0'), attributes: ['i', i, 'long', i === 7 ? long : 'short'] }));
    const body = encodeExportRequest([], { name: 's', version: '' }, spans);
    expect(body.length).toBeGreaterThan(64 * 1024);
    const got = decode(body).resource_spans[0]!.scope_spans[0]!.spans;
    expect(got).toHaveLength(600);
    expect(got.map((s) => (s.span_id as Buffer).toString('hex'))).toEqual(spans.map((s) => s.spanId));
    const attrs = got[7]!.attributes as Array<{ key: string; value: { string_value?: string } }>;
    expect(attrs[1]!.value.string_value).toBe(long);
  });
});
