/** Where finished spans go: an OTLP endpoint, the console, or nowhere. */
import { gzip } from 'node:zlib';
import { promisify } from 'node:util';
import type { SpanRecord } from './span.js';
import { encodeExportRequest, type Scope } from './otlp_proto.js';

const gzipAsync = promisify(gzip);

export interface SpanExporter {
  /** Sends one batch; rejects with what went wrong (the batch is then dropped). */
  export(spans: readonly SpanRecord[]): Promise<void>;
  /** Closes connections; nothing is sent after it. */
  shutdown(): Promise<void>;
}

/** What every exporter needs to describe the spans. */
export interface Describe {
  resource: ReadonlyArray<readonly [string, string]>;
  scope: Scope;
}

/** Encodes a batch (gzip when asked). */
export async function encodeBatch(d: Describe, spans: readonly SpanRecord[], gz: boolean): Promise<Buffer> {
  const body = encodeExportRequest(d.resource, d.scope, spans);
  return gz ? gzipAsync(body) : body;
}

function pairs(attrs: readonly (string | number | boolean)[]): Array<[string, string | number | boolean]> {
  const out: Array<[string, string | number | boolean]> = [];
  for (let i = 0; i < attrs.length; i += 2) out.push([attrs[i] as string, attrs[i + 1]!]);
  return out;
}

/** OTEL_TRACES_EXPORTER=console: one JSON object per span on stdout (stdouttrace's fields, compactly). */
export function consoleExporter(d: Describe): SpanExporter {
  const resource = d.resource.map(([Key, v]) => ({ Key, Value: { Type: 'STRING', Value: v } }));
  const iso = (ms: number) => new Date(ms).toISOString();
  return {
    async export(spans) {
      for (const s of spans) {
        const line = {
          Name: s.name,
          SpanContext: { TraceID: s.traceId, SpanID: s.spanId, TraceFlags: `0${s.flags}`, TraceState: s.traceState, Remote: false },
          Parent: { TraceID: s.parentSpanId === '' ? '00000000000000000000000000000000' : s.traceId, SpanID: s.parentSpanId || '0000000000000000', TraceFlags: '00', TraceState: '', Remote: s.remoteParent },
          SpanKind: 2,
          StartTime: iso(s.startMs),
          EndTime: iso(s.endMs),
          Attributes: pairs(s.attributes).map(([Key, v]) => ({ Key, Value: { Type: typeof v === 'string' ? 'STRING' : typeof v === 'boolean' ? 'BOOL' : 'INT64', Value: v } })),
          Status: { Code: s.statusCode === 2 ? 'Error' : 'Unset', Description: s.statusMessage },
          Resource: resource,
          InstrumentationScope: { Name: d.scope.name, Version: d.scope.version },
        };
        process.stdout.write(`${JSON.stringify(line)}\n`);
      }
    },
    async shutdown() {},
  };
}
