/**
 * intercept (Caddy's intercept.Intercept): watches the response the handlers
 * after it write. When the head is about to go out, the first
 * handle_response entry whose matcher fits the status and header fields
 * takes it: the head and body are then held back instead of sent.
 *
 * - replace_status: the held response goes out with the new status (a
 *   status that does not parse as a number becomes 500, as in Caddy).
 * - routes: {http.intercept.status_code} and {http.intercept.header.Name}
 *   (the Caddyfile's {resp.*}) describe the held response, the routes run
 *   on the same header map, and what they write is the response. When they
 *   write no head, the held status goes out; when they write no body, the
 *   held body does (Caddy's fallback, so `header` alone only edits a
 *   matched response). A response the routes end is theirs, even empty.
 *   The routes do not continue past the intercept (Caddy's emptyHandler).
 * - no entry fits: the response streams through untouched.
 *
 * Nothing is wrapped beyond one object per request; bodies are held only
 * for matched responses.
 */
import { canonicalKey } from '../../core/header_ops.js';
import { handlerModule, type ProvisionEnv } from '../../core/registry.js';
import type { Replacer } from '../../core/replacer.js';
import { ResponseWriterWrapper, type ResponseWriter, type WriteCallback } from '../../core/response.js';
import { HELD, ResponseRecorder } from '../../core/response_recorder.js';
import type { Handler } from '../../core/types.js';
import type { ResponseHandlerConfig } from '../reverse_proxy/config.js';
import { compileResponseHandler, type CompiledResponseHandler } from '../reverse_proxy/handle_response.js';
import { decodeIntercept } from './config.js';

const noop = (): Promise<void> => Promise.resolve();

/** strconv.Atoi of the replaced status; Caddy answers 500 when it fails. */
function statusFrom(text: string): number {
  if (!/^[+-]?\d+$/.test(text)) return 500;
  const n = Number(text);
  // Go's WriteHeader refuses codes outside 100-999 (a panic); a 500 is what the client would get.
  return n >= 100 && n <= 999 ? n : 500;
}

/** Caddy's responseRecorder with intercept's shouldBuffer. */
class InterceptWriter extends ResponseRecorder {
  /** The entry that took the response, its index, and the status replace_status computed (0: none). */
  entry: CompiledResponseHandler | null = null;
  index = -1;
  replaced = 0;

  constructor(
    w: ResponseWriter,
    private readonly entries: readonly CompiledResponseHandler[],
    private readonly repl: Replacer,
  ) {
    super(w);
  }

  protected shouldBuffer(status: number): boolean {
    const { entries, w } = this;
    for (let i = 0; i < entries.length; i++) {
      const e = entries[i]!;
      if (e.match !== null && !e.match(status, w)) continue;
      this.entry = e;
      this.index = i;
      if (e.status !== null) this.replaced = statusFrom(e.status(this.repl));
      return true;
    }
    return false;
  }
}

/** Counts the body bytes the routes write, and whether they wrote a head (Caddy's second recorder). */
class RouteWriter extends ResponseWriterWrapper {
  size = 0;
  override write(chunk: Uint8Array | string, cb?: WriteCallback): boolean {
    this.size += typeof chunk === 'string' ? Buffer.byteLength(chunk) : chunk.byteLength;
    return super.write(chunk, cb);
  }
  override end(chunk?: Uint8Array | string, cb?: () => void): void {
    if (chunk !== undefined) this.size += typeof chunk === 'string' ? Buffer.byteLength(chunk) : chunk.byteLength;
    super.end(chunk, cb);
  }
}

function setPlaceholders(w: ResponseWriter, repl: Replacer, status: number): void {
  const headers = w.getHeaders();
  for (const name in headers) {
    const v = headers[name];
    if (v === undefined) continue;
    // Go's header map has canonical names: {http.intercept.header.Content-Type}.
    repl.set('http.intercept.header.' + canonicalKey(name), Array.isArray(v) ? v.join(',') : String(v));
  }
  repl.set('http.intercept.status_code', status);
}

function provision(list: ResponseHandlerConfig[], env: ProvisionEnv): Handler {
  const entries = list.map((hr, i) => compileResponseHandler(hr, env, `provisioning response handler ${i}`));
  const log = env.log;
  if (entries.length === 0) return (_ctx, next) => next();

  return async (ctx, next) => {
    const w = ctx.w;
    const rec = new InterceptWriter(w, entries, ctx.repl);
    ctx.w = rec;
    try {
      await next();
    } finally {
      ctx.w = w;
    }
    // Nothing written (the server answers its default), or streamed through.
    if (rec.mode !== HELD) return;

    const { repl } = ctx;
    setPlaceholders(w, repl, rec.status);
    log?.('debug', 'http.handlers.intercept', 'handling response', { handler: rec.index });

    const body = rec.takeBody();
    const routes = rec.entry!.routes;
    if (routes === null) {
      // replace_status (or an entry with nothing to do): the held response, maybe with a new status.
      if (rec.replaced !== 0) w.statusCode = rec.replaced;
      else {
        w.statusCode = rec.status;
        if (rec.message !== undefined) w.statusMessage = rec.message;
      }
      w.end(body);
      return;
    }

    // The held Content-Length describes the held body, not what the routes may write.
    const length = w.getHeader('content-length');
    w.removeHeader('Content-Length');
    // Like Go, a route that writes without a status writes 200.
    w.statusCode = 200;
    const out = new RouteWriter(w);
    ctx.w = out;
    try {
      await routes(ctx, noop);
    } finally {
      ctx.w = w;
    }
    if (w.writableEnded || out.size > 0) return;
    if (!w.headersSent) {
      w.statusCode = rec.status;
      if (rec.message !== undefined) w.statusMessage = rec.message;
      if (length !== undefined && !w.hasHeader('content-length')) w.setHeader('Content-Length', length);
    }
    w.end(body);
  };
}

export const interceptHandler = handlerModule('intercept', { decode: decodeIntercept, provision });
