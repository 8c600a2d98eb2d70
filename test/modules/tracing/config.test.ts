// The tracing handler's JSON and environment are checked at load, with Caddy's words and error chain.
import { afterEach, describe, expect, it } from 'vitest';
import { validateConfig } from '../../../src/runtime/validate.js';

const handler = (h: object) => ({ apps: { http: { servers: { srv0: { listen: [':80'], routes: [{ handle: [h] }] } } } } });
const chain = (detail: string) =>
  `loading http app module: provision http: server srv0: setting up route handlers: route 0: loading handler modules: position 0: loading module 'tracing': provision http.handlers.tracing: ${detail}`;

describe('tracing config', () => {
  afterEach(() => {
    delete process.env.OTEL_EXPORTER_OTLP_PROTOCOL;
    delete process.env.OTEL_TRACES_EXPORTER;
  });

  it('loads with a span name, attributes, or nothing', () => {
    expect(() => validateConfig(handler({ handler: 'tracing' }))).not.toThrow();
    expect(() => validateConfig(handler({ handler: 'tracing', span: '{http.request.host}', span_attributes: { a: 'b', c: '{http.vars.x}' } }))).not.toThrow();
  });

  it.each([
    [{ span: 1 }, 'span: json: cannot unmarshal number into Go value of type string'],
    [{ span_attributes: { a: 1 } }, 'span_attributes.a: json: cannot unmarshal number into Go value of type string'],
    [{ span_attributes: ['a'] }, 'span_attributes: json: cannot unmarshal array into Go value of type map'],
    [{ sampler: 'x' }, 'json: unknown field "sampler"'],
  ])('%j', (fields, detail) => {
    expect(() => validateConfig(handler({ handler: 'tracing', ...fields }))).toThrow(chain(detail));
  });

  it('refuses an OTLP protocol or exporter Caddy does not know', () => {
    process.env.OTEL_EXPORTER_OTLP_PROTOCOL = 'http/json';
    expect(() => validateConfig(handler({ handler: 'tracing' }))).toThrow(chain("creating trace exporter error: invalid OTLP protocol - should be one of ['grpc', 'http/protobuf']"));
    delete process.env.OTEL_EXPORTER_OTLP_PROTOCOL;
    process.env.OTEL_TRACES_EXPORTER = 'zipkin';
    expect(() => validateConfig(handler({ handler: 'tracing' }))).toThrow(chain('creating trace exporter error: unknown exporter or metrics producer'));
  });
});
