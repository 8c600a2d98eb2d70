/**
 * One tracer provider per process (per worker thread), shared by every
 * tracing handler, as Caddy's globalTracerProvider: made from the
 * environment by the first handler provisioned, kept while any config uses
 * it (a reload provisions the new handlers before the old ones are cleaned
 * up, so batching goes on across reloads), flushed and shut down when the
 * last one is cleaned up (stop, or a reload to a config without tracing).
 */
import pkg from '../../../package.json' with { type: 'json' };
import type { EngineLog } from '../../core/log.js';
import { BatchSpanProcessor, type Report } from './batch.js';
import { batchFromEnv, exporterFromEnv, resourceFromEnv, type Warnings } from './env.js';
import { consoleExporter, type Describe, type SpanExporter } from './exporter.js';
import { grpcExporter } from './exporter_grpc.js';
import { httpExporter } from './exporter_http.js';
import { samplerFromEnv, type Sampler } from './sampler.js';
import type { SpanRecord } from './span.js';

const LOGGER = 'http.handlers.tracing';

/** The instrumentation scope Caddy's spans carry: they are otelhttp's, and tsweb sets the same attributes. */
export const SCOPE = { name: 'go.opentelemetry.io/contrib/instrumentation/net/http/otelhttp', version: '0.69.0' };

export interface TracerProvider {
  readonly sampler: Sampler;
  /** False when spans go nowhere (exporter none): sampling decisions still propagate, nothing is recorded. */
  readonly recording: boolean;
  onEnd(span: SpanRecord): void;
}

interface Shared extends TracerProvider {
  refs: number;
  log: EngineLog | undefined;
  processor: BatchSpanProcessor | null;
}

let current: Shared | null = null;

function create(log: EngineLog | undefined): Shared {
  const env = process.env;
  const warnings: Warnings = [];
  const choice = exporterFromEnv(env, warnings);
  const { sampler, error } = samplerFromEnv(env);
  if (error !== undefined) warnings.push(error);
  const engine = { name: pkg.name, version: pkg.version };
  const describe: Describe = { resource: resourceFromEnv(env, engine, warnings), scope: SCOPE };
  const userAgent = `${pkg.name} OTLP exporter/${pkg.version}`;
  let exporter: SpanExporter | null = null;
  if (choice.kind === 'console') exporter = consoleExporter(describe);
  else if (choice.kind === 'otlp') exporter = choice.otlp.protocol === 'grpc' ? grpcExporter(choice.otlp, describe, userAgent) : httpExporter(choice.otlp, describe, userAgent);
  const shared: Shared = {
    refs: 0,
    log,
    sampler,
    recording: exporter !== null,
    processor: null,
    onEnd(span) {
      this.processor?.onEnd(span);
    },
  };
  const report: () => Report = () => (level, msg, fields) => shared.log?.(level, LOGGER, msg, fields);
  if (exporter !== null) shared.processor = new BatchSpanProcessor(exporter, batchFromEnv(env, warnings), report);
  for (const w of warnings) log?.('warn', LOGGER, w);
  if (choice.kind === 'otlp') log?.('debug', LOGGER, 'exporting spans', { protocol: choice.otlp.protocol, endpoint: choice.otlp.url.href });
  return shared;
}

/** The process's provider, made on first use; throws Caddy's error for an exporter the environment names wrongly. */
export function acquireProvider(log: EngineLog | undefined): TracerProvider {
  if (current === null) current = create(log);
  current.refs++;
  // The newest config's log: an old config's may close once it is cleaned up.
  if (log !== undefined) current.log = log;
  return current;
}

/** One user fewer; the last flushes what is queued and closes the exporter. */
export async function releaseProvider(p: TracerProvider): Promise<void> {
  if (current !== p) return;
  if (--current.refs > 0) return;
  const done = current;
  current = null;
  await done.processor?.shutdown();
}
