/**
 * handle_response (Caddy's Handler.HandleResponse): when the upstream has
 * answered, the first response handler whose matcher (status, header
 * fields of the upstream's response) fits takes over. One with a
 * `status_code` (replace_status) only changes the status and the response
 * is copied as usual; one with routes runs them instead of copying: the
 * upstream's body reaches the client only through `copy_response`, its
 * head only through `copy_response_headers`, and when the routes fall
 * through, handling continues after the reverse_proxy (forward_auth's
 * "allowed" path). A route's error is not the upstream's fault: it is
 * neither retried nor counted by the passive health checks, and it goes
 * to handle_errors as is.
 */
import type { IncomingMessage } from 'node:http';
import type { JSONObject, ProvisionEnv } from '../../core/registry.js';
import { compileTemplate, type Template } from '../../core/replacer.js';
import { compileResponseMatcher, type ResponseHead, type ResponseMatcher } from '../../core/response_matcher.js';
import { type Ctx, type Handler, HandlerError, type Next } from '../../core/types.js';
import type { ResponseHandlerConfig } from './config.js';

/** What copy_response and copy_response_headers reach while handle_response routes run. */
export interface ProxiedResponse {
  readonly up: IncomingMessage;
  /** Writes the upstream's response to the client as the proxy would (Caddy's finalizeResponse). */
  readonly copy: (ctx: Ctx, up: IncomingMessage) => Promise<void>;
  /** copy_response took the body: it is not to be discarded. */
  finalized: boolean;
}

// Keyed by the request: nested reverse_proxy handlers each see their own, restored when their routes end.
const current = new WeakMap<Ctx, ProxiedResponse>();

/** The upstream response the handle_response routes of this request are handling, if any. */
export function proxiedResponse(ctx: Ctx): ProxiedResponse | undefined {
  return current.get(ctx);
}

/** An error of a handle_response route (or of what follows it): the round trip itself succeeded. */
export class ResponseRouteError extends Error {
  override name = 'ResponseRouteError';
  constructor(readonly inner: unknown) {
    super(inner instanceof Error ? inner.message : String(inner));
  }
}

/** Go's strconv.Atoi, with its error wording (status codes from placeholders). */
export function atoi(s: string): number {
  if (!/^[+-]?\d+$/.test(s)) throw new HandlerError(500, `strconv.Atoi: parsing ${JSON.stringify(s)}: invalid syntax`);
  return Number(s);
}

/** The upstream's head as a response matcher reads it (Go's http.Header of the response). */
class UpstreamHead implements ResponseHead {
  constructor(private readonly fields: Record<string, string[] | undefined>) {}
  getHeader(name: string): string[] | undefined {
    return this.fields[name.toLowerCase()];
  }
  hasHeader(name: string): boolean {
    return this.fields[name.toLowerCase()] !== undefined;
  }
}

/** The routes were run: the response is theirs. */
export const HANDLED = -1;

/**
 * Runs the response handlers on an upstream answer: HANDLED when routes took
 * it over, otherwise the status to copy it with (0: the upstream's own).
 */
export type ResponseHandling = (ctx: Ctx, up: IncomingMessage, next: Next) => Promise<number>;

/** One handle_response entry, compiled (Caddy's ResponseHandler after Provision); intercept's entries too. */
export interface CompiledResponseHandler {
  match: ResponseMatcher | null;
  /** replace_status: the status, placeholders allowed. */
  status: Template | null;
  routes: Handler | null;
}

/** Compiles one entry; `label` starts the error chain of its matcher and routes. */
export function compileResponseHandler(hr: ResponseHandlerConfig, env: ProvisionEnv, label: string): CompiledResponseHandler {
  return {
    match: hr.match === undefined ? null : compileResponseMatcher(hr.match, `${label}: match`),
    status: hr.status_code === undefined || String(hr.status_code) === '' ? null : compileTemplate(String(hr.status_code), 'empty'),
    routes: hr.routes === undefined ? null : env.compileRoutes(hr.routes, label),
  };
}

interface Compiled extends CompiledResponseHandler {
  /** No copy_response in the routes: the body is dropped before they run, freeing the connection. */
  dropsBody: boolean;
}

/** Whether a config subtree holds a copy_response handler (so the body must be kept for it). */
function mentionsCopyResponse(v: unknown): boolean {
  if (Array.isArray(v)) return v.some(mentionsCopyResponse);
  if (v === null || typeof v !== 'object') return false;
  const o = v as JSONObject;
  if (o.handler === 'copy_response') return true;
  return Object.values(o).some(mentionsCopyResponse);
}

/** Drops the upstream's body: read to the end when small (the connection is reused), cut otherwise. */
function discard(up: IncomingMessage): void {
  if (up.complete) return;
  const length = Number(up.headers['content-length']);
  if (Number.isFinite(length) && length <= 65536) up.resume();
  else up.destroy();
}

/** null when there is nothing to handle (no handle_response, no replace_status). */
export function compileResponseHandlers(list: readonly ResponseHandlerConfig[], env: ProvisionEnv, copy: ProxiedResponse['copy']): ResponseHandling | null {
  if (list.length === 0) return null;
  const handlers: Compiled[] = list.map((hr, i) => ({
    ...compileResponseHandler(hr, env, `handle_response ${i}`),
    dropsBody: !mentionsCopyResponse(hr.routes),
  }));

  return async (ctx, up, next) => {
    const head = new UpstreamHead(up.headersDistinct);
    const status = up.statusCode ?? 0;
    for (const h of handlers) {
      if (h.match !== null && !h.match(status, head)) continue;
      if (h.status !== null) {
        const code = atoi(h.status(ctx.repl));
        return code;
      }
      const hr: ProxiedResponse = { up, copy, finalized: false };
      if (h.dropsBody) discard(up);
      const outer = current.get(ctx);
      current.set(ctx, hr);
      try {
        if (h.routes !== null) await h.routes(ctx, next);
        else await next();
      } catch (err) {
        throw new ResponseRouteError(err);
      } finally {
        if (outer === undefined) current.delete(ctx);
        else current.set(ctx, outer);
        if (!hr.finalized) discard(up);
      }
      return HANDLED;
    }
    return 0;
  };
}
