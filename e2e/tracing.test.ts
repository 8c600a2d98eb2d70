// `tracing` in the built executable, configured as a Caddy user would (a
// Caddyfile and the OpenTelemetry environment), with the default workers
// (one per core): spans from every worker reach a real OTLP/HTTP receiver,
// the upstream gets this server's traceparent, and the spans still queued
// are flushed when tsweb stops. Debian's Caddy 2.6.2 is built without the
// tracing module, so there is no reference run here.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, request, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Collector, httpCollector } from '../test/support/otlp.js';
import { ensureBuilt, freePort, killChildren, startCliEnv, until, type ProcWithOut } from './cli-harness.js';

const TRACE = '0af7651916cd43dd8448eb211c80319c';
const PARENT = 'b7ad6b7169203331';

function get(port: number, path: string, headers: Record<string, string> = {}): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, path, headers, agent: false, timeout: 5000 }, (r) => {
      let body = '';
      r.setEncoding('utf8');
      r.on('data', (d: string) => (body += d));
      r.on('end', () => resolve({ status: r.statusCode ?? 0, body }));
    });
    req.on('timeout', () => req.destroy(new Error('timeout')));
    req.on('error', reject);
    req.end();
  });
}

describe('tracing in `tsweb run`', () => {
  let dir: string, collector: Collector, upstream: Server, proc: ProcWithOut, port: number;
  beforeAll(async () => {
    ensureBuilt();
    dir = mkdtempSync(join(tmpdir(), 'tsweb-e2e-tracing-'));
    collector = await httpCollector();
    upstream = createServer((req, res) => res.end(String(req.headers.traceparent)));
    await new Promise<void>((r) => upstream.listen(0, '127.0.0.1', r));
    port = await freePort();
    writeFileSync(
      join(dir, 'Caddyfile'),
      `{\n\tadmin off\n\tauto_https off\n}\n\n:${port} {\n\tbind 127.0.0.1\n\ttracing {\n\t\tspan "{http.request.method} {http.request.uri.path}"\n\t}\n\thandle /ids {\n\t\trespond "{http.vars.trace_id} {http.vars.span_id}"\n\t}\n\treverse_proxy 127.0.0.1:${(upstream.address() as AddressInfo).port}\n}\n`,
    );
    proc = startCliEnv(['run', '--config', join(dir, 'Caddyfile')], dir, {
      OTEL_EXPORTER_OTLP_ENDPOINT: `http://127.0.0.1:${collector.port}`,
      OTEL_SERVICE_NAME: 'e2e-edge',
      // Long enough that only the stop can send the last spans.
      OTEL_BSP_SCHEDULE_DELAY: '600000',
    });
    await until(async () => (await get(port, '/ids').catch(() => ({ status: 0 }))).status === 200, 'tsweb to listen', 15_000);
  }, 60_000);
  afterAll(async () => {
    killChildren();
    await collector?.close();
    await new Promise<void>((r) => upstream?.close(() => r()));
    rmSync(dir, { recursive: true, force: true });
  });

  it('propagates the trace to the upstream and exports every span once tsweb stops', async () => {
    const proxied = await get(port, '/app/page', { traceparent: `00-${TRACE}-${PARENT}-01` });
    expect(proxied.body).toMatch(new RegExp(`^00-${TRACE}-[0-9a-f]{16}-01$`));
    const ids: string[] = [];
    for (let i = 0; i < 10; i++) ids.push((await get(port, '/ids')).body);
    proc.child.kill('SIGTERM');
    expect(await proc.exited).toBe(0);
    // The readiness probes were traced too; the ones asked for here must all be there.
    const spans = collector.spans;
    const proxiedSpan = spans.find((s) => s.traceId === TRACE);
    expect(proxiedSpan).toMatchObject({ parentSpanId: PARENT, name: 'GET /app/page', kind: 2 });
    expect(proxied.body).toBe(`00-${TRACE}-${proxiedSpan!.spanId}-01`);
    expect(proxiedSpan!.resource['service.name']).toBe('e2e-edge');
    for (const id of ids) {
      const [traceId, spanId] = id.split(' ');
      expect(spans.find((s) => s.traceId === traceId && s.spanId === spanId)?.name).toBe('GET /ids');
    }
  });
});
