// templates, push, tracing, metrics, timeouts: small handlers, one table each.
import { describe, expect, it } from 'vitest';
import { adaptError, handlers, runDirectives } from './handlers-harness.js';

describe('templates', () => {
  it.each([
    ['templates', {}],
    ['templates {\n\tmime text/html text/plain\n\tbetween [[ ]]\n\troot /srv\n}', { file_root: '/srv', mime_types: ['text/html', 'text/plain'], delimiters: ['[[', ']]'] }],
  ])('%j', (src, cfg) => {
    expect(handlers(src)).toEqual([{ handler: 'templates', ...cfg }]);
  });

  it('ignores unknown subdirectives like Caddy, with a warning', () => {
    const r = runDirectives('templates {\n\tcache on\n}');
    expect((r.values[0]!.value as { handle: unknown[] }).handle).toEqual([{ handler: 'templates' }]);
    expect(r.warnings.map((w) => w.message)).toEqual(["templates: unrecognized subdirective 'cache' is ignored"]);
  });

  it.each([
    ['templates {\n\tmime\n}', 'Wrong argument count'],
    ['templates {\n\tbetween {{\n}', 'Wrong argument count'],
    ['templates {\n\textensions {\n\t\tsprig\n\t}\n}', "getting module named 'http.handlers.templates.functions.sprig': module not registered"],
  ])('rejects %j', (src, msg) => {
    expect(adaptError(src)).toContain(msg);
  });
});

// Inputs from Caddy's push.caddyfiletest (caddyfile_adapt tests), Apache-2.0.
describe('push', () => {
  it.each([
    ['push * /foo.txt', { resources: [{ target: '/foo.txt' }] }],
    ['push {\n\tGET /foo.txt\n}', { resources: [{ method: 'GET', target: '/foo.txt' }] }],
    ['push {\n\tGET /foo.txt\n\tHEAD /foo.txt\n\t/bar.css\n}', { resources: [{ method: 'GET', target: '/foo.txt' }, { method: 'HEAD', target: '/foo.txt' }, { target: '/bar.css' }] }],
    ['push {\n\theaders {\n\t\tFoo bar\n\t\t+Add v\n\t\t-Gone\n\t}\n}', { headers: { add: { Add: ['v'] }, set: { Foo: ['bar'] }, delete: ['Gone'] } }],
    ['push', {}],
  ])('%j', (src, cfg) => {
    expect(handlers(src)).toEqual([{ handler: 'push', ...cfg }]);
  });

  it.each([
    ['push {\n\tGET\n}', 'Wrong argument count'],
    ['push {\n\theaders x {\n\t}\n}', 'Wrong argument count'],
    ['push {\n\theaders {\n\t\ta b c d\n\t}\n}', 'Wrong argument count'],
  ])('rejects %j', (src, msg) => {
    expect(adaptError(src)).toContain(msg);
  });
});

describe('tracing', () => {
  // From Caddy's tracing.caddyfiletest.
  it('span name behind a path matcher', () => {
    expect(runDirectives('tracing /myhandler {\n\tspan my-span\n}').values[0]!.value).toEqual({
      match: [{ path: ['/myhandler'] }],
      handle: [{ handler: 'tracing', span: 'my-span' }],
    });
  });
  it('span attributes', () => {
    expect(handlers('tracing {\n\tspan_attributes {\n\t\tenv prod\n\t\tteam {vars.team}\n\t}\n}')).toEqual([
      { handler: 'tracing', span_attributes: { env: 'prod', team: '{vars.team}' } },
    ]);
  });
  it.each([
    ['tracing x', 'Wrong argument count'],
    ['tracing {\n\tspan\n}', 'Wrong argument count'],
    ['tracing {\n\tspan a b\n}', 'Wrong argument count'],
    ['tracing {\n\tsampler 1\n}', 'Wrong argument count'],
  ])('rejects %j', (src, msg) => {
    expect(adaptError(src)).toContain(msg);
  });
});

describe('metrics', () => {
  // From Caddy's metrics_syntax / metrics_disable_om .caddyfiletest files.
  it.each([
    ['metrics /metrics', {}],
    ['metrics /metrics {\n\tdisable_openmetrics\n}', { disable_openmetrics: true }],
  ])('%j', (src, cfg) => {
    expect(runDirectives(src).values[0]!.value).toEqual({ match: [{ path: ['/metrics'] }], handle: [{ handler: 'metrics', ...cfg }] });
  });
  it.each([
    ['metrics * extra', 'Wrong argument count'],
    ['metrics {\n\tper_host\n}', 'unrecognized subdirective "per_host"'],
  ])('rejects %j', (src, msg) => {
    expect(adaptError(src)).toContain(msg);
  });
});

describe('timeouts', () => {
  it('read/write idle timeouts with minimum rates and a write chunk cap', () => {
    expect(handlers('timeouts {\n\tread_timeout 10s 1024\n\twrite_timeout 1m\n\tmax_write_chunk 64KiB\n}')).toEqual([
      { handler: 'timeouts', read_timeout: 10e9, read_min_rate: 1024, write_timeout: 60e9, max_write_chunk: 65536 },
    ]);
  });
  it.each([
    ['timeouts {\n\tread_timeout\n}', 'Wrong argument count'],
    ['timeouts {\n\tread_timeout 1s 2 3\n}', 'Wrong argument count'],
    ['timeouts {\n\tread_timeout soon\n}', 'parsing read_timeout: time: invalid duration "soon"'],
    ['timeouts {\n\twrite_timeout 1s fast\n}', 'parsing write_timeout min_rate'],
    ['timeouts {\n\tidle 1s\n}', "unrecognized timeouts subdirective 'idle'"],
  ])('rejects %j', (src, msg) => {
    expect(adaptError(src)).toContain(msg);
  });
});
