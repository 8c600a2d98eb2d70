/**
 * headers (Caddy's headers.Handler; the `header` and `request_header`
 * directives): request header ops run at once; response header ops run at
 * once too, unless `deferred` or `require` is set, in which case they run
 * when the response head is written, so they see (and can delete) what the
 * handlers after them set, and `require` can test the final status and
 * headers (`?Field` in the Caddyfile = only when the field is absent).
 *
 * As in Caddy, changing the request's Host header changes the request's
 * host ({http.request.host}, host matchers, what a proxy sends).
 */
import { splitRequestHost } from '../../core/context.js';
import { handlerModule } from '../../core/registry.js';
import type { Ctx, Handler } from '../../core/types.js';
import { buildHeaderOps, type CompiledHeaderOps, requestStore, responseStore } from '../../core/header_ops.js';
import { compileResponseMatcher, type ResponseMatcher } from '../../core/response_matcher.js';
import type { Replacer } from '../../core/replacer.js';
import { type ResponseWriter, ResponseWriterWrapper } from '../../core/response.js';
import { decodeHeaders, type Headers } from './config.js';

/** Go keeps the Host out of the header map; after the ops, the last Host value is the request's host. */
function syncHost(ctx: Ctx, before: string | undefined): void {
  const h = ctx.req.headersDistinct.host;
  const after = h === undefined || h.length === 0 ? '' : h[h.length - 1]!;
  if (after === before) return;
  const [host, port] = splitRequestHost(after);
  ctx.host = host;
  ctx.port = port;
  ctx.hostport = after;
  // One Host value, as a proxy would send it.
  if (after === '') {
    delete ctx.req.headers.host;
    delete (ctx.req.headersDistinct as Record<string, string[] | undefined>).host;
  } else {
    ctx.req.headers.host = after;
    ctx.req.headersDistinct.host = [after];
  }
}

/** Response ops run when the head goes out, on what the handlers after them set. */
class DeferredHeaderOps extends ResponseWriterWrapper {
  constructor(
    w: ResponseWriter,
    private readonly ops: CompiledHeaderOps,
    private readonly require: ResponseMatcher | null,
    private readonly repl: Replacer,
  ) {
    super(w);
  }

  protected override beforeHead(status: number): void {
    if (this.require === null || this.require(status, this.w)) this.ops.apply(responseStore(this.w), this.repl);
  }
}

function provision(config: Headers): Handler {
  const request = buildHeaderOps(config.request);
  const responseOps = buildHeaderOps(config.response);
  const { deferred } = config;
  const require = config.response?.require !== undefined ? compileResponseMatcher(config.response.require, 'require') : null;

  return async (ctx, next) => {
    const { repl } = ctx;
    if (request !== null) {
      const hdrs = ctx.req.headersDistinct.host;
      const before = hdrs === undefined ? undefined : hdrs[hdrs.length - 1];
      request.apply(requestStore(ctx.req), repl);
      syncHost(ctx, before);
    }
    if (responseOps !== null) {
      const w = ctx.w;
      if (!deferred) {
        responseOps.apply(responseStore(w), repl);
      } else {
        ctx.w = new DeferredHeaderOps(w, responseOps, require, repl);
        // Deferred ops apply to what the rest of this chain writes, not to error routes afterwards.
        try {
          await next();
        } finally {
          ctx.w = w;
        }
        return;
      }
    }
    await next();
  };
}

export const headersHandler = handlerModule('headers', { decode: decodeHeaders, provision });
