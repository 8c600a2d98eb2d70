/**
 * What the tracing handler tells the access log (src/apps/http/access_log.ts):
 * the trace and span IDs Caddy adds to a traced request's line (`traceID`,
 * `spanID`, through caddyhttp.ExtraLogFields), and the header lines as the
 * client sent them when the handler replaced req.rawHeaders to add its
 * traceparent (Caddy logs a clone of the request taken before the handlers).
 * One entry per request, keyed by the request.
 */
import type { IncomingMessage } from 'node:http';
import type { Ctx } from '../../core/types.js';

interface Traced {
  ids: readonly [traceId: string, spanId: string];
  /** The lines as received, once replaced; undefined while req.rawHeaders are still those. */
  received: string[] | undefined;
}

const traced = new WeakMap<IncomingMessage, Traced>();

/** Records the request's (innermost) span; `replaced`: the lines as received, when this handler replaced them (the first replacement is the client's). */
export function setTraceLogFields(req: IncomingMessage, traceId: string, spanId: string, replaced: string[] | undefined): void {
  const t = traced.get(req);
  if (t === undefined) traced.set(req, { ids: [traceId, spanId], received: replaced });
  else {
    t.ids = [traceId, spanId];
    t.received ??= replaced;
  }
}

/** [traceID, spanID] of the request's (innermost) span; undefined when no tracing handler ran. */
export function traceLogFields(ctx: Ctx): readonly [string, string] | undefined {
  return traced.get(ctx.req)?.ids;
}

/** The header lines as the client sent them, when a tracing handler replaced req.rawHeaders; else undefined. */
export function receivedRawHeaders(req: IncomingMessage): string[] | undefined {
  return traced.get(req)?.received;
}
