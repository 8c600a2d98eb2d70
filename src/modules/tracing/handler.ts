/**
 * The tracing handler (Caddy's modules/caddyhttp/tracing over otelhttp):
 * per request, the W3C trace context of the request is continued (else a
 * new trace starts), a server span is started with otelhttp's request
 * attributes, the request's headers are given this span's `traceparent`
 * (and `tracestate`) so reverse_proxy and anything after carries them on,
 * `{http.vars.trace_id}` / `{http.vars.span_id}` and the access log's
 * traceID / spanID are set; once the rest of the chain returns, the
 * span_attributes are evaluated (response placeholders included), the
 * status and sizes are recorded, and the span is queued for export.
 * Nothing but the IDs and the headers is done for an unsampled span.
 *
 * One difference: when the chain fails with an error (reverse_proxy's 502
 * for an unreachable upstream...), Caddy's span says 200 (otelhttp saw no
 * response written); tsweb records the error's status, so such spans carry
 * the 5xx and the Error status the client will get.
 */
import { IncomingMessage } from 'node:http';
import { AbortRequest, errorStatus, toHandlerError } from '../../core/errors.js';
import { requestStore } from '../../core/header_ops.js';
import { handlerModule, type ProvisionEnv } from '../../core/registry.js';
import { compileTemplate, type Template } from '../../core/replacer.js';
import { ResponseWriterWrapper, type WriteCallback } from '../../core/response.js';
import type { Ctx, Handler } from '../../core/types.js';
import { rawHeadersCurrent } from '../reverse_proxy/request_headers.js';
import { decodeTracing, type Tracing } from './config.js';
import { newSpanId, newTraceId } from './ids.js';
import { setTraceLogFields } from './log_fields.js';
import { acquireProvider, releaseProvider, type TracerProvider } from './provider.js';
import { requestAttributes } from './request_attrs.js';
import { type SpanRecord, setAttr, STATUS_ERROR, STATUS_UNSET } from './span.js';
import { formatTraceparent, parseTraceparent, type RemoteParent } from './w3c.js';

/** Counts what the rest of the chain writes and catches its status, as otelhttp's RespWriterWrapper. */
class SpanWriter extends ResponseWriterWrapper {
  status = 0;
  bytes = 0;
  protected override beforeHead(status: number): void {
    this.status = status;
  }
  override write(chunk: Uint8Array | string, cb?: WriteCallback): boolean {
    this.bytes += typeof chunk === 'string' ? Buffer.byteLength(chunk) : chunk.byteLength;
    return super.write(chunk, cb);
  }
  override end(chunk?: Uint8Array | string, cb?: () => void): void {
    if (chunk !== undefined) this.bytes += typeof chunk === 'string' ? Buffer.byteLength(chunk) : chunk.byteLength;
    super.end(chunk, cb);
  }
}

/** Counts request body bytes as the handlers read them (otelhttp's body wrapper), without switching the stream to flowing. */
function countBody(ctx: Ctx): { n: number } | null {
  const h = ctx.req.headers;
  if (h['transfer-encoding'] === undefined && (h['content-length'] === undefined || h['content-length'] === '0')) return null;
  const counter = { n: 0 };
  const req = ctx.req;
  const emit = req.emit;
  req.emit = function (this: typeof req, event: string | symbol, ...args: unknown[]): boolean {
    if (event === 'data') counter.n += (args[0] as Buffer | string).length;
    return emit.call(this, event, ...args);
  } as typeof req.emit;
  return counter;
}

/**
 * Sets traceparent (and tracestate) on the request, as the propagator's
 * Inject on r.Header. While no handler has touched the parsed headers, the
 * header lines are replaced (a copy without the client's trace fields, ours
 * appended; req.headers updated to match), so reverse_proxy keeps its fast
 * path, which sends req.rawHeaders; the lines as received are kept for the
 * access log (returned). Otherwise the parsed views are changed, as
 * request_header does.
 */
function injectHeaders(req: IncomingMessage, traceparent: string, tracestate: string): string[] | undefined {
  if (!rawHeadersCurrent(req)) {
    setParsed(req, traceparent, tracestate);
    return undefined;
  }
  const raw = req.rawHeaders;
  const out: string[] = [];
  for (let i = 0; i < raw.length; i += 2) {
    const name = raw[i]!;
    if (name.length === 11 && name.toLowerCase() === 'traceparent') continue;
    if (tracestate !== '' && name.length === 10 && name.toLowerCase() === 'tracestate') continue;
    out.push(name, raw[i + 1]!);
  }
  out.push('traceparent', traceparent);
  if (tracestate !== '') out.push('tracestate', tracestate);
  req.rawHeaders = out;
  req.headers.traceparent = traceparent;
  if (tracestate !== '') req.headers.tracestate = tracestate;
  // An HTTP/2 request (H2Request) may already hold its parsed views, built from the old lines.
  if (!(req instanceof IncomingMessage)) setParsed(req, traceparent, tracestate);
  return raw;
}

function setParsed(req: IncomingMessage, traceparent: string, tracestate: string): void {
  const store = requestStore(req);
  if (tracestate !== '') store.set('tracestate', [tracestate]);
  store.set('traceparent', [traceparent]);
}

/** Go's WriteHeader-less default (200), the error's status when the chain failed before writing. */
function statusOf(w: SpanWriter, err: unknown, failed: boolean): number {
  if (w.status !== 0) return w.status;
  if (failed && !(err instanceof AbortRequest)) return errorStatus(toHandlerError(err));
  return 200;
}

function provision(cfg: Tracing, env: ProvisionEnv): Handler {
  const provider: TracerProvider = acquireProvider(env.log);
  env.onCleanup(() => releaseProvider(provider));
  const spanName: Template = compileTemplate(cfg.span, 'empty');
  const custom: ReadonlyArray<readonly [string, Template]> = cfg.spanAttributes.map(([k, v]) => [k, compileTemplate(v, 'empty')] as const);
  const { sampler } = provider;

  return async (ctx, next) => {
    const req = ctx.req;
    const tp = req.headers.traceparent;
    const ts = req.headers.tracestate;
    const parent: RemoteParent | null = typeof tp === 'string' ? parseTraceparent(tp, typeof ts === 'string' ? ts : undefined) : null;
    const traceId = parent !== null ? parent.traceId : newTraceId();
    const spanId = newSpanId();
    const sampled = sampler(parent, traceId);
    const flags = ((parent?.flags ?? 0) & 2) | (sampled ? 1 : 0);
    const traceState = parent?.traceState ?? '';
    const recording = sampled && provider.recording;

    // otelhttp names the span and reads the request before the handlers run.
    let name = '';
    let attrs: SpanRecord['attributes'] | null = null;
    let startMs = 0;
    if (recording) {
      startMs = performance.timeOrigin + performance.now();
      name = spanName(ctx.repl);
      attrs = requestAttributes(ctx);
    }

    const received = injectHeaders(req, formatTraceparent(traceId, spanId, flags), traceState);
    ctx.vars.set('trace_id', traceId);
    ctx.vars.set('span_id', spanId);
    setTraceLogFields(req, traceId, spanId, received);

    if (attrs === null) return next();

    const body = countBody(ctx);
    const outer = ctx.w;
    const w = new SpanWriter(outer);
    ctx.w = w;
    let failed = false;
    let error: unknown;
    try {
      await next();
    } catch (err) {
      failed = true;
      error = err;
      throw err;
    } finally {
      ctx.w = outer;
      for (const [k, t] of custom) setAttr(attrs, k, t(ctx.repl));
      const status = statusOf(w, error, failed);
      if (body !== null && body.n > 0) setAttr(attrs, 'http.request.body.size', body.n);
      if (w.bytes > 0) setAttr(attrs, 'http.response.body.size', w.bytes);
      setAttr(attrs, 'http.response.status_code', status);
      const invalid = status < 100 || status >= 600;
      provider.onEnd({
        traceId,
        spanId,
        parentSpanId: parent?.spanId ?? '',
        traceState,
        flags,
        remoteParent: parent !== null,
        name,
        startMs,
        endMs: performance.timeOrigin + performance.now(),
        attributes: attrs,
        statusCode: invalid || status >= 500 ? STATUS_ERROR : STATUS_UNSET,
        statusMessage: invalid ? `Invalid HTTP status code ${status}` : '',
      });
    }
  };
}

export const tracingHandler = handlerModule('tracing', { decode: decodeTracing, provision });
