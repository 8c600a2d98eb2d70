/**
 * Caddy's HTTP metrics (modules/caddyhttp/metrics.go), collected as newer
 * Caddy does (2.11.2+): only when the http app has `metrics` (or a server
 * the deprecated `metrics`), once per matched top-level or named route, the
 * `handler` label being the module name of the route's first handler
 * ("subroute" for a Caddyfile site). Caddy 2.6 wrapped every handler
 * instead, so one request counted once per handler it passed through.
 *
 * Per request, with metrics on: the route's series are resolved at load
 * (per status and method on first use); the response's bytes and the time
 * its head went out are counted by the server's writer (the switch the
 * access log uses), so no wrapper is allocated. With metrics off the routes
 * are compiled without any of this.
 */
import { AbortRequest } from '../errors.js';
import { DecodeError, ObjectReader } from '../decode.js';
import { type ResponseWriter, ResponseWriterWrapper } from '../response.js';
import type { Ctx, Handler } from '../types.js';
import { HandlerError } from '../types.js';
import type { HistogramFamily, HistogramSeries, Registry, Series, ValueFamily } from './registry.js';

/** `apps.http.metrics` (and a server's deprecated `metrics`). */
export interface HTTPMetricsConfig {
  perHost: boolean;
  observeCatchallHosts: boolean;
}

export function decodeHTTPMetricsConfig(json: unknown, path: string): HTTPMetricsConfig {
  const r = ObjectReader.of(json, path);
  const perHost = r.bool('per_host');
  const observeCatchallHosts = r.bool('observe_catchall_hosts');
  if (r.bool('otlp')) throw new DecodeError(r.at('otlp'), 'pushing metrics via OTLP is not supported by tsweb yet');
  r.done();
  return { perHost, observeCatchallHosts };
}

/** What the server's response writer counts when it is asked to (NodeResponseWriter). */
export interface CountingWriter {
  /** Body bytes written so far. */
  readonly written: number;
  /** performance.now() when the final head went out; 0 before. */
  readonly headAt: number;
  readonly headersSent: boolean;
  readonly statusCode: number;
}

function countingWriter(w: ResponseWriter): CountingWriter | null {
  while (w instanceof ResponseWriterWrapper) w = w.unwrap();
  return typeof (w as Partial<CountingWriter>).headAt === 'number' ? (w as unknown as CountingWriter) : null;
}

// prometheus.DefBuckets and ExponentialBuckets(256, 4, 8).
export const DURATION_BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];
export const SIZE_BUCKETS = [256, 1024, 4096, 16384, 65536, 262144, 1048576, 4194304];

const METHODS = ['GET', 'HEAD', 'PUT', 'POST', 'DELETE', 'CONNECT', 'OPTIONS', 'TRACE', 'PATCH'];
const OTHER = METHODS.length;

/** Caddy's SanitizeMethod as an index into METHODS (OTHER for the rest); upper or lower case only. */
function methodIndex(m: string): number {
  const i = METHODS.indexOf(m);
  if (i >= 0) return i;
  const j = METHODS.indexOf(m.toUpperCase());
  return j >= 0 && m === m.toLowerCase() ? j : OTHER;
}

/** Caddy's SanitizeCode: no status written counts as the 200 Go sends. */
const sanitizeCode = (code: number): number => (code === 0 ? 200 : code);

interface StatusSeries {
  duration: HistogramSeries;
  requestSize: HistogramSeries;
  responseSize: HistogramSeries;
  ttfb: HistogramSeries;
}

/** The series of one server, handler (and host, per_host). */
class RouteSeries {
  private readonly byStatus = new Map<number, StatusSeries>();
  constructor(
    private readonly m: HTTPMetrics,
    readonly inflight: Series,
    readonly requests: Series,
    readonly errors: Series,
    private readonly base: readonly string[],
  ) {}

  status(code: number, method: number): StatusSeries {
    const key = code * 16 + method;
    let s = this.byStatus.get(key);
    if (s === undefined) {
      s = this.m.statusSeries(this.base, String(code), method === OTHER ? 'OTHER' : METHODS[method]!);
      this.byStatus.set(key, s);
    }
    return s;
  }
}

/** promhttp's computeApproximateRequestSize: target, method, proto, header fields (not Host), host, Content-Length. */
function approximateRequestSize(ctx: Ctx): number {
  const req = ctx.req;
  let s = (req.url ?? '').length + ctx.method.length + ctx.proto.length + ctx.hostport.length;
  const raw = req.rawHeaders;
  for (let i = 0; i < raw.length; i += 2) {
    const name = raw[i]!;
    if (name.length === 4 && name.toLowerCase() === 'host') continue;
    s += name.length + raw[i + 1]!.length;
  }
  const cl = req.headers['content-length'];
  if (cl !== undefined && req.headers['transfer-encoding'] === undefined) s += Number(cl) || 0;
  return s;
}

/** One config's HTTP metrics: the families in the registry and the hosts per_host may name. */
export class HTTPMetrics {
  private readonly inflight: ValueFamily;
  private readonly requests: ValueFamily;
  private readonly errors: ValueFamily;
  private readonly duration: HistogramFamily;
  private readonly requestSize: HistogramFamily;
  private readonly responseSize: HistogramFamily;
  private readonly ttfb: HistogramFamily;

  constructor(
    registry: Registry,
    readonly config: HTTPMetricsConfig,
    /** Host names of the servers' top-level host matchers, lower-cased, no wildcards (per_host). */
    private readonly allowedHosts: ReadonlySet<string> = new Set(),
    /** Some server has TLS connection policies: catch-all hosts on HTTPS requests get their own label. */
    private readonly hasHTTPSServer = false,
  ) {
    const basic = config.perHost ? ['server', 'handler', 'host'] : ['server', 'handler'];
    const full = config.perHost ? ['server', 'handler', 'code', 'method', 'host'] : ['server', 'handler', 'code', 'method'];
    this.inflight = registry.gauge('caddy_http_requests_in_flight', 'Number of requests currently handled by this server.', basic);
    this.errors = registry.counter('caddy_http_request_errors_total', 'Number of requests resulting in middleware errors.', basic);
    this.requests = registry.counter('caddy_http_requests_total', 'Counter of HTTP(S) requests made.', basic);
    this.duration = registry.histogram('caddy_http_request_duration_seconds', 'Histogram of round-trip request durations.', full, DURATION_BUCKETS);
    this.requestSize = registry.histogram('caddy_http_request_size_bytes', 'Total size of the request. Includes body', full, SIZE_BUCKETS);
    this.responseSize = registry.histogram('caddy_http_response_size_bytes', 'Size of the returned response.', full, SIZE_BUCKETS);
    this.ttfb = registry.histogram('caddy_http_response_duration_seconds', 'Histogram of times to first byte in response bodies.', full, DURATION_BUCKETS);
  }

  /** `base`: server, handler[, host]. */
  statusSeries(base: readonly string[], code: string, method: string): StatusSeries {
    const labels = base.length === 3 ? [base[0]!, base[1]!, code, method, base[2]!] : [base[0]!, base[1]!, code, method];
    return {
      duration: this.duration.with(...labels),
      requestSize: this.requestSize.with(...labels),
      responseSize: this.responseSize.with(...labels),
      ttfb: this.ttfb.with(...labels),
    };
  }

  private routeSeries(base: string[]): RouteSeries {
    return new RouteSeries(this, this.inflight.with(...base), this.requests.with(...base), this.errors.with(...base), base);
  }

  /** Caddy's shouldAllowHostMetrics: configured hosts by name, the rest as "_other". */
  private hostLabel(ctx: Ctx): string {
    const host = ctx.hostport.toLowerCase();
    if (this.allowedHosts.has(host)) return host;
    const catchAll = this.config.observeCatchallHosts || (ctx.scheme === 'https' && this.hasHTTPSServer);
    return catchAll ? host : '_other';
  }

  /** Wraps one route's handler chain (with the routes after it, as Caddy's wrapRoute does). */
  instrument(server: string, handler: string, chain: Handler): Handler {
    if (!this.config.perHost) {
      const series = this.routeSeries([server, handler]);
      return (ctx, next) => this.observe(series, chain, ctx, next);
    }
    const byHost = new Map<string, RouteSeries>();
    return (ctx, next) => {
      const host = this.hostLabel(ctx);
      let series = byHost.get(host);
      if (series === undefined) {
        series = this.routeSeries([server, handler, host]);
        byHost.set(host, series);
      }
      return this.observe(series, chain, ctx, next);
    };
  }

  private observe(s: RouteSeries, chain: Handler, ctx: Ctx, next: () => Promise<void>): Promise<void> {
    const w = countingWriter(ctx.w);
    const written = w === null ? 0 : w.written;
    // A head already sent (by a route this one runs inside) is not this route's first byte.
    const headBefore = w === null ? 1 : w.headAt;
    const method = methodIndex(ctx.method);
    const start = performance.now();
    s.inflight.value++;
    const done = (errStatus: number): void => {
      const end = performance.now();
      let code = errStatus;
      let ttfb = -1;
      if (w !== null && w.headAt !== 0 && headBefore === 0) {
        code = w.statusCode;
        ttfb = w.headAt - start;
      } else if (code < 0) code = 200;
      const st = s.status(sanitizeCode(code), method);
      if (ttfb >= 0) st.ttfb.observe(ttfb / 1000);
      st.duration.observe((end - start) / 1000);
      st.requestSize.observe(approximateRequestSize(ctx));
      st.responseSize.observe(w === null ? 0 : w.written - written);
    };
    let p: Promise<void>;
    try {
      p = chain(ctx, next);
    } catch (err) {
      p = Promise.reject(err);
    }
    return p.then(
      () => {
        s.inflight.value--;
        s.requests.value++;
        done(-1);
      },
      (err: unknown) => {
        s.inflight.value--;
        // Go's ErrAbortHandler is a panic: it passes the deferred gauge and nothing else.
        if (err instanceof AbortRequest) throw err;
        s.requests.value++;
        if (err instanceof HandlerError) done(err.status);
        s.errors.value++;
        throw err;
      },
    );
  }
}

/** The `handler` label of a route: its first handler's module name (Caddy's GetModuleName). */
export function routeHandlerName(route: unknown): string {
  if (route === null || typeof route !== 'object') return '';
  const handle = (route as { handle?: unknown }).handle;
  if (!Array.isArray(handle) || handle.length === 0) return '';
  const first: unknown = handle[0];
  const name = first !== null && typeof first === 'object' ? (first as { handler?: unknown }).handler : undefined;
  return typeof name === 'string' ? name : '';
}
