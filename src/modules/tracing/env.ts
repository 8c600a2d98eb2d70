/**
 * What the OpenTelemetry environment variables say, read the way Caddy's
 * exporter (autoexport + otlptracehttp / otlptracegrpc, opentelemetry-go
 * 1.44) and its TracerProvider read them:
 *
 * - OTEL_TRACES_EXPORTER: otlp (default), none, console; anything else is
 *   Caddy's "unknown exporter or metrics producer" at load.
 * - OTEL_EXPORTER_OTLP[_TRACES]_PROTOCOL: http/protobuf (the default since
 *   Caddy 2.11) or grpc.
 * - OTEL_EXPORTER_OTLP_ENDPOINT: a base URL (`/v1/traces` appended for
 *   HTTP); OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: the URL as is. Without
 *   either: https://localhost:4318/v1/traces, or localhost:4317 over TLS for
 *   gRPC (an http:// endpoint or OTEL_EXPORTER_OTLP_INSECURE=true: plain).
 * - _HEADERS (key=value,... URL-decoded), _TIMEOUT (ms, 10 s), _COMPRESSION
 *   (gzip), _CERTIFICATE, _CLIENT_CERTIFICATE/_CLIENT_KEY; the _TRACES_ form
 *   of each wins.
 * - OTEL_BSP_*: the batch span processor (5 s, 2048 queued, 512 a batch,
 *   30 s export timeout).
 * - OTEL_SERVICE_NAME and OTEL_RESOURCE_ATTRIBUTES: the resource.
 * - OTEL_SDK_DISABLED=true: nothing is exported (the SDK spec's switch;
 *   opentelemetry-go does not read it, tsweb does).
 */
import { readFileSync } from 'node:fs';
import { basename } from 'node:path';

export type Protocol = 'http/protobuf' | 'grpc';

export interface OTLPSettings {
  protocol: Protocol;
  /** http/protobuf: the full URL; grpc: `http(s)://host:port` (the path, if any, is prefixed to the method). */
  url: URL;
  headers: Array<[string, string]>;
  timeoutMs: number;
  gzip: boolean;
  /** PEM: trusted roots (absent: the system's), client certificate and key. */
  ca?: Buffer;
  cert?: Buffer;
  key?: Buffer;
}

export interface BatchSettings {
  scheduleDelayMs: number;
  exportTimeoutMs: number;
  maxQueueSize: number;
  maxExportBatchSize: number;
}

export type ExporterChoice = { kind: 'none' } | { kind: 'console' } | { kind: 'otlp'; otlp: OTLPSettings };

/** Problems Go reports through otel's error handler and goes on with a default. */
export type Warnings = string[];

function get(env: NodeJS.ProcessEnv, name: string): string | undefined {
  const v = env[name]?.trim();
  return v === undefined || v === '' ? undefined : v;
}

/** The _TRACES_ form of an OTEL_EXPORTER_OTLP_ variable, else the general one. */
function otlpVar(env: NodeJS.ProcessEnv, suffix: string): string | undefined {
  return get(env, `OTEL_EXPORTER_OTLP_TRACES_${suffix}`) ?? get(env, `OTEL_EXPORTER_OTLP_${suffix}`);
}

const TOKEN = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/;

/** envconfig's stringToHeader: bad pairs are skipped (and reported). */
export function parseHeaders(value: string, warnings: Warnings): Array<[string, string]> {
  const out = new Map<string, string>();
  for (const pair of value.split(',')) {
    const eq = pair.indexOf('=');
    if (eq < 0) {
      warnings.push(`parse headers: missing '=' in ${JSON.stringify(pair)}`);
      continue;
    }
    const name = pair.slice(0, eq).trim();
    if (!TOKEN.test(name)) {
      warnings.push(`parse headers: invalid header key ${JSON.stringify(name)}`);
      continue;
    }
    let v: string;
    try {
      v = decodeURIComponent(pair.slice(eq + 1));
    } catch {
      warnings.push(`parse headers: cannot unescape header value of ${name}`);
      continue;
    }
    out.set(name, v.trim());
  }
  return [...out];
}

function msVar(env: NodeJS.ProcessEnv, name: string, fallback: number, warnings: Warnings): number {
  const v = get(env, name);
  if (v === undefined) return fallback;
  if (!/^[+-]?\d+$/.test(v)) {
    warnings.push(`parse ${name}: invalid value ${JSON.stringify(v)}`);
    return fallback;
  }
  return Number(v);
}

function otlpSettings(env: NodeJS.ProcessEnv, protocol: Protocol, warnings: Warnings): OTLPSettings {
  let secure = true;
  let hostport = protocol === 'grpc' ? 'localhost:4317' : 'localhost:4318';
  let path = protocol === 'grpc' ? '' : '/v1/traces';
  const parse = (name: string): URL | null => {
    const v = get(env, name);
    if (v === undefined) return null;
    // gRPC endpoints are often written host:port, which has no scheme to say plain or TLS: TLS then, as Go's default.
    const withScheme = /^[a-zA-Z][a-zA-Z0-9+.-]*:\/\//.test(v) ? v : `https://${v}`;
    try {
      return new URL(withScheme);
    } catch {
      warnings.push(`parse url: ${name}: invalid URL ${JSON.stringify(v)}`);
      return null;
    }
  };
  const base = parse('OTEL_EXPORTER_OTLP_ENDPOINT');
  if (base !== null) {
    secure = base.protocol !== 'http:';
    hostport = base.host;
    const p = base.pathname === '/' ? '' : base.pathname.replace(/\/+$/, '');
    path = protocol === 'grpc' ? p : `${p}/v1/traces`;
  }
  const traces = parse('OTEL_EXPORTER_OTLP_TRACES_ENDPOINT');
  if (traces !== null) {
    secure = traces.protocol !== 'http:';
    hostport = traces.host;
    // The per-signal URL is used as is (a bare host gets "/").
    path = protocol === 'grpc' && traces.pathname === '/' ? '' : traces.pathname;
  }
  // Applied after the endpoints, so they win over the scheme, as in Go.
  for (const name of ['OTEL_EXPORTER_OTLP_INSECURE', 'OTEL_EXPORTER_OTLP_TRACES_INSECURE']) {
    const v = get(env, name);
    if (v !== undefined) secure = v.toLowerCase() !== 'true';
  }
  const url = new URL(`${secure ? 'https' : 'http'}://${hostport}${path}`);
  const warnRead = (name: string): Buffer | undefined => {
    const file = otlpVar(env, name);
    if (file === undefined) return undefined;
    try {
      return readFileSync(file);
    } catch (err) {
      warnings.push(`read ${name.toLowerCase().replace(/_/g, ' ')} file ${file}: ${(err as Error).message}`);
      return undefined;
    }
  };
  const headers = otlpVar(env, 'HEADERS');
  return {
    protocol,
    url,
    headers: headers === undefined ? [] : parseHeaders(headers, warnings),
    timeoutMs: Math.max(1, msVar(env, get(env, 'OTEL_EXPORTER_OTLP_TRACES_TIMEOUT') !== undefined ? 'OTEL_EXPORTER_OTLP_TRACES_TIMEOUT' : 'OTEL_EXPORTER_OTLP_TIMEOUT', 10_000, warnings)),
    gzip: otlpVar(env, 'COMPRESSION') === 'gzip',
    ca: warnRead('CERTIFICATE'),
    cert: warnRead('CLIENT_CERTIFICATE'),
    key: warnRead('CLIENT_KEY'),
  };
}

/** The exporter the environment asks for; throws Caddy's words for what autoexport refuses. */
export function exporterFromEnv(env: NodeJS.ProcessEnv, warnings: Warnings): ExporterChoice {
  if (get(env, 'OTEL_SDK_DISABLED')?.toLowerCase() === 'true') return { kind: 'none' };
  const kind = env.OTEL_TRACES_EXPORTER ?? '';
  switch (kind === '' ? 'otlp' : kind) {
    case 'none':
      return { kind: 'none' };
    case 'console':
      return { kind: 'console' };
    case 'otlp': {
      const proto = env.OTEL_EXPORTER_OTLP_TRACES_PROTOCOL || env.OTEL_EXPORTER_OTLP_PROTOCOL || 'http/protobuf';
      if (proto !== 'http/protobuf' && proto !== 'grpc') throw new Error("creating trace exporter error: invalid OTLP protocol - should be one of ['grpc', 'http/protobuf']");
      return { kind: 'otlp', otlp: otlpSettings(env, proto, warnings) };
    }
    default:
      throw new Error('creating trace exporter error: unknown exporter or metrics producer');
  }
}

export function batchFromEnv(env: NodeJS.ProcessEnv, warnings: Warnings): BatchSettings {
  const maxQueueSize = msVar(env, 'OTEL_BSP_MAX_QUEUE_SIZE', 2048, warnings);
  const batch = msVar(env, 'OTEL_BSP_MAX_EXPORT_BATCH_SIZE', 512, warnings);
  const q = maxQueueSize > 0 ? maxQueueSize : 2048;
  return {
    scheduleDelayMs: Math.max(0, msVar(env, 'OTEL_BSP_SCHEDULE_DELAY', 5000, warnings)),
    exportTimeoutMs: Math.max(1, msVar(env, 'OTEL_BSP_EXPORT_TIMEOUT', 30_000, warnings)),
    maxQueueSize: q,
    // Go caps the batch at the queue's size.
    maxExportBatchSize: Math.min(batch > 0 ? batch : 512, q),
  };
}

/** OTEL_RESOURCE_ATTRIBUTES: key=value pairs, values URL-decoded; a bad list is reported and dropped whole, as Go does. */
function resourceAttributes(env: NodeJS.ProcessEnv, warnings: Warnings): Map<string, string> {
  const out = new Map<string, string>();
  const v = get(env, 'OTEL_RESOURCE_ATTRIBUTES');
  if (v === undefined) return out;
  for (const pair of v.split(',')) {
    const eq = pair.indexOf('=');
    if (eq < 0) {
      warnings.push(`resource: missing value in OTEL_RESOURCE_ATTRIBUTES: ${JSON.stringify(pair)}`);
      return new Map();
    }
    const key = pair.slice(0, eq).trim();
    let val: string;
    try {
      val = decodeURIComponent(pair.slice(eq + 1).trim());
    } catch {
      warnings.push(`resource: invalid value in OTEL_RESOURCE_ATTRIBUTES for ${key}`);
      return new Map();
    }
    out.set(key, val);
  }
  return out;
}

/**
 * The resource: resource.Default() (service.name from OTEL_SERVICE_NAME or
 * OTEL_RESOURCE_ATTRIBUTES, else "unknown_service:<executable>"; the SDK's
 * own telemetry.sdk.*), merged with Caddy's webengine.name/version, sorted
 * by key as Go's attribute sets are.
 */
export function resourceFromEnv(env: NodeJS.ProcessEnv, engine: { name: string; version: string }, warnings: Warnings): Array<[string, string]> {
  const attrs = new Map<string, string>([
    ['service.name', `unknown_service:${basename(process.argv0 || process.execPath)}`],
    ['telemetry.sdk.language', 'nodejs'],
    ['telemetry.sdk.name', engine.name],
    ['telemetry.sdk.version', engine.version],
  ]);
  for (const [k, v] of resourceAttributes(env, warnings)) attrs.set(k, v);
  const service = get(env, 'OTEL_SERVICE_NAME');
  if (service !== undefined) attrs.set('service.name', service);
  attrs.set('webengine.name', engine.name);
  attrs.set('webengine.version', engine.version);
  return [...attrs].sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0));
}
