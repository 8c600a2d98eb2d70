/**
 * The tracing handler on a real server, exporting to real OTLP receivers
 * (test/support/otlp.ts): OTLP/HTTP with protobuf (Caddy's default
 * protocol) and OTLP/gRPC. A client's traceparent is continued (same trace,
 * the client's span as parent), a request without one starts a trace, the
 * upstream behind reverse_proxy gets this span's traceparent, the
 * placeholders and the access log carry the IDs, spans have otelhttp's
 * name, attributes and status, and an unreachable collector costs a log
 * line, not a request.
 */
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import * as grpc from '@grpc/grpc-js';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { adaptCaddyfile } from '../../../src/adapt/index.js';
import { Runtime } from '../../../src/runtime/runtime.js';
import { send } from '../../support/client.js';
import { freePort, logCollector } from '../../support/net.js';
import { type Collector, grpcCollector, httpCollector } from '../../support/otlp.js';

const TRACE = '4bf92f3577b34da6a3ce929d0e0e4736';
const PARENT = '00f067aa0ba902b7';
const OTEL_VARS = ['OTEL_EXPORTER_OTLP_ENDPOINT', 'OTEL_EXPORTER_OTLP_TRACES_ENDPOINT', 'OTEL_EXPORTER_OTLP_PROTOCOL', 'OTEL_EXPORTER_OTLP_HEADERS', 'OTEL_SERVICE_NAME', 'OTEL_BSP_SCHEDULE_DELAY', 'OTEL_TRACES_SAMPLER', 'OTEL_TRACES_EXPORTER', 'OTEL_SDK_DISABLED', 'OTEL_EXPORTER_OTLP_COMPRESSION', 'OTEL_RESOURCE_ATTRIBUTES'];

function setEnv(vars: Record<string, string>): void {
  for (const k of OTEL_VARS) delete process.env[k];
  Object.assign(process.env, vars);
}

/** An upstream that answers with the trace headers it received. */
async function echoUpstream(): Promise<{ port: number; seen: IncomingHttpHeaders[]; close: () => Promise<void> }> {
  const seen: IncomingHttpHeaders[] = [];
  const server: Server = createServer((req, res) => {
    seen.push(req.headers);
    res.setHeader('Content-Type', 'application/json');
    res.end(JSON.stringify({ traceparent: req.headers.traceparent ?? null, tracestate: req.headers.tracestate ?? null, trace_id: req.headers['x-trace-id'] ?? null }));
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return {
    port: (server.address() as AddressInfo).port,
    seen,
    close: () =>
      new Promise<void>((r) => {
        server.closeAllConnections();
        server.close(() => r());
      }),
  };
}

function caddyfile(port: number, upstream: number): string {
  return `{
	admin off
	auto_https off
}

:${port} {
	bind 127.0.0.1
	log
	handle /api/* {
		tracing {
			span "api {http.request.method} {http.request.uri.path}"
			span_attributes {
				deployment prod
				answered_by {http.response.header.X-Answered}
			}
		}
		request_header X-Trace-Id {http.vars.trace_id}
		reverse_proxy 127.0.0.1:${upstream} {
			header_down X-Answered upstream
		}
	}
	handle /ids {
		tracing
		respond "{http.vars.trace_id} {http.vars.span_id}"
	}
	handle /hdr {
		tracing
		respond "{http.request.header.traceparent}"
	}
	handle /ordered/* {
		route {
			request_header X-Before yes
			tracing
			reverse_proxy 127.0.0.1:${upstream}
		}
	}
	handle /fail {
		tracing {
			span fail
		}
		respond "broken" 503
	}
	handle /down {
		tracing {
			span down
		}
		reverse_proxy 127.0.0.1:1
	}
	handle /upload {
		tracing {
			span upload
		}
		request_body {
			max_size 1MB
		}
		reverse_proxy 127.0.0.1:${upstream}
	}
}
`;
}

interface Running {
  port: number;
  runtime: Runtime;
  logs: ReturnType<typeof logCollector>;
}

async function start(upstream: number): Promise<Running> {
  const port = await freePort();
  const { config } = adaptCaddyfile(caddyfile(port, upstream), 'Caddyfile');
  const logs = logCollector();
  const runtime = new Runtime({ log: logs.log });
  await runtime.load(config);
  return { port, runtime, logs };
}

const hex = (n: number) => new RegExp(`^[0-9a-f]{${n}}$`);

describe('tracing over OTLP/HTTP (protobuf, the default protocol)', () => {
  let collector: Collector;
  let up: Awaited<ReturnType<typeof echoUpstream>>;
  let s: Running;

  beforeAll(async () => {
    collector = await httpCollector();
    up = await echoUpstream();
    setEnv({ OTEL_EXPORTER_OTLP_ENDPOINT: `http://127.0.0.1:${collector.port}`, OTEL_BSP_SCHEDULE_DELAY: '50', OTEL_SERVICE_NAME: 'edge-proxy', OTEL_EXPORTER_OTLP_HEADERS: 'x-api-key=s3cr%20t' });
    s = await start(up.port);
  });
  afterAll(async () => {
    await s?.runtime.stop();
    await up?.close();
    await collector?.close();
    setEnv({});
  });
  afterEach(() => {
    collector.spans.length = 0;
  });

  it('continues the client trace: same trace id, the client span as parent, the upstream gets this span', async () => {
    const r = await send(s.port, '/api/items?x=1', { headers: { traceparent: `00-${TRACE}-${PARENT}-01`, tracestate: 'congo=t61rcWkgMzE, rojo=00f067aa0ba902b7', 'User-Agent': 'tracing-test/1.0' } });
    expect(r.status).toBe(200);
    const echoed = JSON.parse(r.text) as { traceparent: string; tracestate: string; trace_id: string };
    const [span] = await collector.waitFor(1);
    expect(span!.traceId).toBe(TRACE);
    expect(span!.parentSpanId).toBe(PARENT);
    expect(span!.spanId).toMatch(hex(16));
    expect(span!.spanId).not.toBe(PARENT);
    // The upstream sees this server's span as its parent, and the rest of the trace context.
    expect(echoed.traceparent).toBe(`00-${TRACE}-${span!.spanId}-01`);
    expect(echoed.tracestate).toBe('congo=t61rcWkgMzE,rojo=00f067aa0ba902b7');
    expect(echoed.trace_id).toBe(TRACE);
    expect(span!.traceState).toBe('congo=t61rcWkgMzE,rojo=00f067aa0ba902b7');
    expect(span!.name).toBe('api GET /api/items');
    expect(span!.kind).toBe(2); // SERVER
    expect(span!.flags).toBe(0x301); // sampled, parent known to be remote, and it is
    expect(span!.status).toEqual({ code: 0, message: '' });
    expect(span!.attributes).toEqual({
      'server.address': '127.0.0.1',
      'http.request.method': 'GET',
      'url.scheme': 'http',
      'server.port': s.port,
      'network.peer.address': '127.0.0.1',
      'network.peer.port': expect.any(Number),
      'user_agent.original': 'tracing-test/1.0',
      'client.address': '127.0.0.1',
      'url.path': '/api/items',
      'network.protocol.version': '1.1',
      deployment: 'prod',
      answered_by: 'upstream',
      'http.response.body.size': r.body.length,
      'http.response.status_code': 200,
    });
    expect(span!.endNs).toBeGreaterThan(span!.startNs);
    const now = BigInt(Date.now()) * 1_000_000n;
    expect(now - span!.startNs).toBeLessThan(60_000_000_000n);
    expect(span!.resource).toMatchObject({ 'service.name': 'edge-proxy', 'webengine.name': 'tsweb' });
    expect(span!.scope.name).toBe('go.opentelemetry.io/contrib/instrumentation/net/http/otelhttp');
    // The export went to /v1/traces under the endpoint, with the configured header (URL-decoded).
    expect(collector.requests.at(-1)).toMatchObject({ ':path': '/v1/traces', ':method': 'POST', 'content-type': 'application/x-protobuf', 'x-api-key': 's3cr t' });
  });

  it('starts a new trace without a traceparent (or with an invalid one), and the placeholders hold its ids', async () => {
    const r1 = await send(s.port, '/ids');
    const r2 = await send(s.port, '/ids', { headers: { traceparent: `00-${'0'.repeat(32)}-${PARENT}-01` } });
    const spans = await collector.waitFor(2);
    for (const [r, span] of [
      [r1, spans.find((x) => r1.text.startsWith(x.traceId))],
      [r2, spans.find((x) => r2.text.startsWith(x.traceId))],
    ] as const) {
      expect(span).toBeDefined();
      const [traceId, spanId] = r.text.split(' ');
      expect(traceId).toMatch(hex(32));
      expect(span!.spanId).toBe(spanId);
      expect(span!.parentSpanId).toBe('');
      expect(span!.name).toBe('handler'); // Caddy's default span name
      expect(span!.flags).toBe(0x101);
    }
    expect(r1.text).not.toBe(r2.text);
  });

  it('puts traceID and spanID in the access log line', async () => {
    const r = await send(s.port, '/ids', { headers: { traceparent: `00-${TRACE}-${PARENT}-01` } });
    const [, spanId] = r.text.split(' ');
    let line: { fields: Record<string, unknown> } | undefined;
    for (let i = 0; i < 50 && line === undefined; i++) {
      line = s.logs.lines.find((l) => l.logger === 'http.log.access' && l.fields.spanID === spanId);
      if (line === undefined) await new Promise((res) => setTimeout(res, 20));
    }
    expect(line?.fields).toMatchObject({ traceID: TRACE, spanID: spanId, status: 200 });
  });

  it('the request carries the new traceparent (placeholders, upstream) whether or not a handler changed headers first; the log keeps what the client sent', async () => {
    const sent = `00-${TRACE}-${PARENT}-01`;
    const hdr = await send(s.port, '/hdr', { headers: { traceparent: sent } });
    expect(hdr.text).toMatch(new RegExp(`^00-${TRACE}-[0-9a-f]{16}-01$`));
    expect(hdr.text).not.toBe(sent);
    // request_header ran before tracing here: the parsed headers are the ones changed.
    const ordered = JSON.parse((await send(s.port, '/ordered/x', { headers: { Traceparent: sent } })).text) as { traceparent: string };
    const spans = await collector.waitFor(2);
    const orderedSpan = spans.find((x) => x.attributes['url.path'] === '/ordered/x')!;
    expect(ordered.traceparent).toBe(`00-${TRACE}-${orderedSpan.spanId}-01`);
    expect(up.seen.at(-1)!['x-before']).toBe('yes');
    let line: { fields: Record<string, unknown> } | undefined;
    for (let i = 0; i < 50 && line === undefined; i++) {
      line = s.logs.lines.find((l) => l.logger === 'http.log.access' && l.fields.spanID === hdr.text.split('-')[2]);
      if (line === undefined) await new Promise((res) => setTimeout(res, 20));
    }
    expect((line!.fields.request as { headers: Record<string, string[]> }).headers.Traceparent).toEqual([sent]);
  });

  it('marks 5xx responses as errors, with the status the client got when a handler fails', async () => {
    expect((await send(s.port, '/fail')).status).toBe(503);
    expect((await send(s.port, '/down')).status).toBe(502);
    const spans = await collector.waitFor(2);
    const fail = spans.find((x) => x.name === 'fail')!;
    const down = spans.find((x) => x.name === 'down')!;
    expect(fail.status.code).toBe(2);
    expect(fail.attributes['http.response.status_code']).toBe(503);
    expect(fail.attributes['http.response.body.size']).toBe(6);
    expect(down.status.code).toBe(2);
    expect(down.attributes['http.response.status_code']).toBe(502);
  });

  it('records the request body size read, and keeps the sampled flag of a parent that was not sampled', async () => {
    const r = await send(s.port, '/upload', { method: 'POST', body: 'x'.repeat(3000), headers: { 'Content-Type': 'text/plain' } });
    expect(r.status).toBe(200);
    const [span] = await collector.waitFor(1);
    expect(span!.attributes['http.request.body.size']).toBe(3000);
    expect(span!.attributes['http.request.method']).toBe('POST');
    collector.spans.length = 0;

    // parentbased_always_on: an unsampled parent makes an unsampled span, still propagated with a new span id.
    const r2 = await send(s.port, '/api/unsampled', { headers: { traceparent: `00-${TRACE}-${PARENT}-00` } });
    const echoed = JSON.parse(r2.text) as { traceparent: string };
    expect(echoed.traceparent).toMatch(new RegExp(`^00-${TRACE}-[0-9a-f]{16}-00$`));
    expect(echoed.traceparent).not.toContain(PARENT);
    await new Promise((res) => setTimeout(res, 300));
    expect(collector.spans).toEqual([]);
  });
});

describe('tracing over OTLP/gRPC', () => {
  let collector: Collector;
  let up: Awaited<ReturnType<typeof echoUpstream>>;
  let s: Running;

  beforeAll(async () => {
    collector = await grpcCollector();
    up = await echoUpstream();
    setEnv({ OTEL_EXPORTER_OTLP_PROTOCOL: 'grpc', OTEL_EXPORTER_OTLP_ENDPOINT: `http://127.0.0.1:${collector.port}`, OTEL_BSP_SCHEDULE_DELAY: '50', OTEL_EXPORTER_OTLP_HEADERS: 'authorization=Bearer abc', OTEL_EXPORTER_OTLP_COMPRESSION: 'gzip' });
    s = await start(up.port);
  });
  afterAll(async () => {
    await s?.runtime.stop();
    await up?.close();
    await collector?.close();
    setEnv({});
  });

  it('exports the spans to TraceService/Export with the headers as metadata', async () => {
    const r = await send(s.port, '/api/grpc', { headers: { traceparent: `00-${TRACE}-${PARENT}-01` } });
    const echoed = JSON.parse(r.text) as { traceparent: string };
    const [span] = await collector.waitFor(1);
    expect(span!.traceId).toBe(TRACE);
    expect(span!.parentSpanId).toBe(PARENT);
    expect(echoed.traceparent).toBe(`00-${TRACE}-${span!.spanId}-01`);
    expect(span!.name).toBe('api GET /api/grpc');
    expect(span!.attributes['http.response.status_code']).toBe(200);
    expect(span!.resource['service.name']).toMatch(/^unknown_service:/);
    expect(collector.requests[0]).toMatchObject({ authorization: 'Bearer abc' });
  });

  it('flushes what is queued when the server stops', async () => {
    // A long schedule delay: only the stop can send these.
    await s.runtime.stop();
    collector.spans.length = 0;
    setEnv({ OTEL_EXPORTER_OTLP_PROTOCOL: 'grpc', OTEL_EXPORTER_OTLP_ENDPOINT: `http://127.0.0.1:${collector.port}`, OTEL_BSP_SCHEDULE_DELAY: '600000' });
    s = await start(up.port);
    for (let i = 0; i < 3; i++) await send(s.port, '/ids');
    await new Promise((res) => setTimeout(res, 200));
    expect(collector.spans).toHaveLength(0);
    await s.runtime.stop();
    expect(collector.spans).toHaveLength(3);
  });
});

describe('an unreachable or failing collector', () => {
  it('serves every request and logs the spans it dropped', async () => {
    const dead = await freePort();
    const up = await echoUpstream();
    setEnv({ OTEL_EXPORTER_OTLP_ENDPOINT: `http://127.0.0.1:${dead}`, OTEL_BSP_SCHEDULE_DELAY: '20' });
    const s = await start(up.port);
    try {
      for (let i = 0; i < 5; i++) expect((await send(s.port, '/ids')).status).toBe(200);
      let line: { level: string; msg: string; fields: Record<string, unknown> } | undefined;
      for (let i = 0; i < 250 && line === undefined; i++) {
        line = s.logs.lines.find((l) => l.logger === 'http.handlers.tracing' && l.msg.startsWith('exporting spans failed'));
        if (line === undefined) await new Promise((res) => setTimeout(res, 20));
      }
      expect(line?.level).toBe('error');
      expect(line?.fields.error).toMatch(/ECONNREFUSED/);
      expect(line?.fields.dropped).toBeGreaterThan(0);
    } finally {
      await s.runtime.stop();
      await up.close();
      setEnv({});
    }
  });

  it('an unreachable gRPC collector: the same, the dial error in the line', async () => {
    const dead = await freePort();
    const up = await echoUpstream();
    setEnv({ OTEL_EXPORTER_OTLP_PROTOCOL: 'grpc', OTEL_EXPORTER_OTLP_ENDPOINT: `http://127.0.0.1:${dead}`, OTEL_BSP_SCHEDULE_DELAY: '20' });
    const s = await start(up.port);
    try {
      for (let i = 0; i < 3; i++) expect((await send(s.port, '/api/grpc-down')).status).toBe(200);
      let line: { fields: Record<string, unknown> } | undefined;
      for (let i = 0; i < 250 && line === undefined; i++) {
        line = s.logs.lines.find((l) => l.logger === 'http.handlers.tracing' && l.msg.startsWith('exporting spans failed'));
        if (line === undefined) await new Promise((res) => setTimeout(res, 20));
      }
      expect(line?.fields.error).toMatch(/ECONNREFUSED/);
    } finally {
      await s.runtime.stop();
      await up.close();
      setEnv({});
    }
  });

  it('a gRPC error status from the collector is logged with its code', async () => {
    const collector = await grpcCollector({ status: grpc.status.UNAVAILABLE });
    const up = await echoUpstream();
    setEnv({ OTEL_EXPORTER_OTLP_PROTOCOL: 'grpc', OTEL_EXPORTER_OTLP_ENDPOINT: `http://127.0.0.1:${collector.port}`, OTEL_BSP_SCHEDULE_DELAY: '20' });
    const s = await start(up.port);
    try {
      expect((await send(s.port, '/ids')).status).toBe(200);
      let line: { fields: Record<string, unknown> } | undefined;
      for (let i = 0; i < 250 && line === undefined; i++) {
        line = s.logs.lines.find((l) => l.logger === 'http.handlers.tracing' && l.msg.startsWith('exporting spans failed'));
        if (line === undefined) await new Promise((res) => setTimeout(res, 20));
      }
      expect(line?.fields.error).toBe('traces export: rpc error: code = UNAVAILABLE desc = collector says no');
    } finally {
      await s.runtime.stop();
      await up.close();
      await collector.close();
      setEnv({});
    }
  });
});

describe('reloads and the exporter switched off', () => {
  it('a reload keeps batching; a reload to a config without tracing flushes what is queued', async () => {
    const collector = await httpCollector();
    const up = await echoUpstream();
    setEnv({ OTEL_EXPORTER_OTLP_ENDPOINT: `http://127.0.0.1:${collector.port}`, OTEL_BSP_SCHEDULE_DELAY: '600000' });
    const s = await start(up.port);
    try {
      await send(s.port, '/ids');
      // The same config again, then a new one: the provider (and its queue) is the same one.
      const { config } = adaptCaddyfile(caddyfile(s.port, up.port), 'Caddyfile');
      await s.runtime.load(config);
      await send(s.port, '/ids');
      await new Promise((res) => setTimeout(res, 100));
      expect(collector.spans).toHaveLength(0);
      const plain = adaptCaddyfile(`{\n\tadmin off\n\tauto_https off\n}\n\n:${s.port} {\n\tbind 127.0.0.1\n\trespond "untraced"\n}\n`, 'Caddyfile').config;
      await s.runtime.load(plain);
      await collector.waitFor(2, 5000);
      expect(collector.spans).toHaveLength(2);
      expect((await send(s.port, '/ids')).text).toBe('untraced');
    } finally {
      await s.runtime.stop();
      await up.close();
      await collector.close();
      setEnv({});
    }
  });

  it('OTEL_TRACES_EXPORTER=none: the trace is still continued and propagated, nothing is sent', async () => {
    const collector = await httpCollector();
    const up = await echoUpstream();
    setEnv({ OTEL_TRACES_EXPORTER: 'none', OTEL_EXPORTER_OTLP_ENDPOINT: `http://127.0.0.1:${collector.port}`, OTEL_BSP_SCHEDULE_DELAY: '10' });
    const s = await start(up.port);
    try {
      const r = await send(s.port, '/api/x', { headers: { traceparent: `00-${TRACE}-${PARENT}-01` } });
      const echoed = JSON.parse(r.text) as { traceparent: string; trace_id: string };
      expect(echoed.traceparent).toMatch(new RegExp(`^00-${TRACE}-[0-9a-f]{16}-01$`));
      expect(echoed.trace_id).toBe(TRACE);
      await new Promise((res) => setTimeout(res, 200));
      expect(collector.requests).toHaveLength(0);
    } finally {
      await s.runtime.stop();
      await up.close();
      await collector.close();
      setEnv({});
    }
  });
});
