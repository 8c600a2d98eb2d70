/**
 * Real OTLP trace receivers for tests, decoding with the proto in
 * otlp_trace.proto through @grpc/proto-loader (protobufjs): a @grpc/grpc-js
 * server implementing TraceService/Export (OTLP/gRPC, plain h2c on
 * 127.0.0.1), and a node:http server taking POST /v1/traces with
 * application/x-protobuf bodies (gzip too) as OTLP/HTTP. Both keep the
 * spans they got, flattened with their resource and scope.
 */
import * as grpc from '@grpc/grpc-js';
import * as protoLoader from '@grpc/proto-loader';
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { fileURLToPath } from 'node:url';
import { gunzipSync } from 'node:zlib';

const PROTO = fileURLToPath(new URL('./otlp_trace.proto', import.meta.url));
const definition = protoLoader.loadSync(PROTO, { keepCase: true, longs: String, enums: Number, bytes: Buffer, defaults: true, oneofs: true });
const SERVICE = 'opentelemetry.proto.collector.trace.v1.TraceService';
const exportMethod = (definition[SERVICE] as protoLoader.ServiceDefinition).Export!;

type Value = { string_value?: string; bool_value?: boolean; int_value?: string; double_value?: number; value?: string };
interface KV {
  key: string;
  value: Value;
}
interface WireSpan {
  trace_id: Buffer;
  span_id: Buffer;
  parent_span_id: Buffer;
  trace_state: string;
  flags: number;
  name: string;
  kind: number;
  start_time_unix_nano: string;
  end_time_unix_nano: string;
  attributes: KV[];
  status: { code: number; message: string } | null;
}
interface WireRequest {
  resource_spans: Array<{
    resource: { attributes: KV[] } | null;
    scope_spans: Array<{ scope: { name: string; version: string } | null; spans: WireSpan[] }>;
  }>;
}

/** A span as received, IDs in hex and attributes as plain values (int64 as numbers). */
export interface ReceivedSpan {
  traceId: string;
  spanId: string;
  parentSpanId: string;
  traceState: string;
  flags: number;
  name: string;
  kind: number;
  startNs: bigint;
  endNs: bigint;
  attributes: Record<string, string | number | boolean>;
  status: { code: number; message: string };
  resource: Record<string, string | number | boolean>;
  scope: { name: string; version: string };
}

function plain(v: Value): string | number | boolean {
  if (v.value === 'int_value') return Number(v.int_value);
  if (v.value === 'bool_value') return v.bool_value === true;
  if (v.value === 'double_value') return v.double_value ?? 0;
  return v.string_value ?? '';
}

function attrs(kvs: KV[]): Record<string, string | number | boolean> {
  const out: Record<string, string | number | boolean> = {};
  for (const kv of kvs) out[kv.key] = plain(kv.value);
  return out;
}

function flatten(req: WireRequest): ReceivedSpan[] {
  const out: ReceivedSpan[] = [];
  for (const rs of req.resource_spans) {
    const resource = attrs(rs.resource?.attributes ?? []);
    for (const ss of rs.scope_spans) {
      for (const s of ss.spans) {
        out.push({
          traceId: s.trace_id.toString('hex'),
          spanId: s.span_id.toString('hex'),
          parentSpanId: s.parent_span_id.toString('hex'),
          traceState: s.trace_state,
          flags: s.flags,
          name: s.name,
          kind: s.kind,
          startNs: BigInt(s.start_time_unix_nano),
          endNs: BigInt(s.end_time_unix_nano),
          attributes: attrs(s.attributes),
          status: { code: s.status?.code ?? 0, message: s.status?.message ?? '' },
          resource,
          scope: { name: ss.scope?.name ?? '', version: ss.scope?.version ?? '' },
        });
      }
    }
  }
  return out;
}

export interface Collector {
  port: number;
  /** Every span received so far, in arrival order. */
  spans: ReceivedSpan[];
  /** Headers (HTTP) or metadata (gRPC) of each export request. */
  requests: Array<Record<string, string>>;
  /** Resolves once at least `n` spans arrived (rejects after `ms`). */
  waitFor(n: number, ms?: number): Promise<ReceivedSpan[]>;
  close(): Promise<void>;
}

function waiter(c: Pick<Collector, 'spans'>): Collector['waitFor'] {
  return (n, ms = 15_000) =>
    new Promise((resolve, reject) => {
      const deadline = Date.now() + ms;
      const tick = () => {
        if (c.spans.length >= n) return resolve(c.spans);
        if (Date.now() > deadline) return reject(new Error(`collector: ${c.spans.length} of ${n} spans after ${ms} ms`));
        setTimeout(tick, 20);
      };
      tick();
    });
}

/** An OTLP/gRPC receiver; `status` (a gRPC code) makes every Export fail with it. */
export async function grpcCollector(opts: { status?: grpc.status } = {}): Promise<Collector> {
  const server = new grpc.Server();
  const c = { spans: [] as ReceivedSpan[], requests: [] as Array<Record<string, string>> } as Collector;
  server.addService(definition[SERVICE] as grpc.ServiceDefinition, {
    Export(call: grpc.ServerUnaryCall<WireRequest, object>, cb: grpc.sendUnaryData<object>) {
      const md: Record<string, string> = {};
      for (const [k, v] of Object.entries(call.metadata.getMap())) md[k] = String(v);
      c.requests.push(md);
      if (opts.status !== undefined) return cb({ code: opts.status, details: 'collector says no' });
      c.spans.push(...flatten(call.request));
      cb(null, {});
    },
  });
  c.port = await new Promise<number>((resolve, reject) => server.bindAsync('127.0.0.1:0', grpc.ServerCredentials.createInsecure(), (err, port) => (err ? reject(err) : resolve(port))));
  c.waitFor = waiter(c);
  c.close = () => new Promise<void>((resolve) => server.tryShutdown(() => resolve()));
  return c;
}

function headerRecord(h: IncomingHttpHeaders): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(h)) if (v !== undefined) out[k] = Array.isArray(v) ? v.join(', ') : v;
  return out;
}

/** An OTLP/HTTP receiver at POST /v1/traces (any path is accepted; `path` of each request is kept in requests[i][':path']). */
export async function httpCollector(opts: { status?: number } = {}): Promise<Collector> {
  const c = { spans: [] as ReceivedSpan[], requests: [] as Array<Record<string, string>> } as Collector;
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (b: Buffer) => chunks.push(b));
    req.on('end', () => {
      c.requests.push({ ...headerRecord(req.headers), ':path': req.url ?? '', ':method': req.method ?? '' });
      if (opts.status !== undefined) {
        res.writeHead(opts.status, { 'content-type': 'text/plain' });
        return res.end('collector says no');
      }
      let body = Buffer.concat(chunks);
      if (req.headers['content-encoding'] === 'gzip') body = gunzipSync(body);
      c.spans.push(...flatten(exportMethod.requestDeserialize(body) as WireRequest));
      res.writeHead(200, { 'content-type': 'application/x-protobuf' });
      res.end();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  c.port = (server.address() as AddressInfo).port;
  c.waitFor = waiter(c);
  c.close = () =>
    new Promise<void>((resolve) => {
      server.closeAllConnections();
      server.close(() => resolve());
    });
  return c;
}
