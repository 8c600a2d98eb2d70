/**
 * The upstream's response, passed to the client (Caddy's finalizeResponse):
 * status, headers without the hop-by-hop ones (then header_down), the
 * http.reverse_proxy.* placeholders, and the body streamed with backpressure.
 * Caddy appends the upstream's fields to what the response already has, so
 * a `Server` header appears twice, as it does behind Caddy.
 */
import type { IncomingMessage } from 'node:http';
import { canonicalKey, type CompiledHeaderOps } from '../../core/header_ops.js';
import { detectContentType } from '../../go/sniff.js';
import type { Ctx } from '../../core/types.js';
import { HeaderMap } from './header_map.js';
import { removeHopHeaders } from './hop.js';
import { markProxiedResponse } from './via.js';

/** Caddy sets one placeholder per upstream response field: {http.reverse_proxy.header.Name}. */
export function setResponsePlaceholders(ctx: Ctx, res: IncomingMessage, headers: HeaderMap): void {
  const { repl } = ctx;
  repl.set('http.reverse_proxy.status_code', res.statusCode ?? 0);
  // Go's Response.Status, which Caddy puts here: the code and the reason ("404 Not Found").
  repl.set('http.reverse_proxy.status_text', res.statusMessage ? `${res.statusCode ?? 0} ${res.statusMessage}` : String(res.statusCode ?? 0));
  // Go's header map holds canonical names, so {http.reverse_proxy.header.Content-Type} finds `content-type`.
  for (const [name, values] of headers.entries()) repl.set(`http.reverse_proxy.header.${canonicalKey(name)}`, values.join(','));
}

/** Response headers as they go to the client; hop-by-hop removed, header_down applied. */
export function responseHeaders(ctx: Ctx, res: IncomingMessage, ops: CompiledHeaderOps | null): HeaderMap {
  const h = HeaderMap.fromRaw(res.rawHeaders);
  const announced = h.get('trailer');
  removeHopHeaders(h);
  // Trailer is hop-by-hop; announced again for a body that can carry trailers.
  if (announced !== undefined && h.get('content-length') === undefined) h.set('Trailer', [announced.join(', ')]);
  setResponsePlaceholders(ctx, res, h);
  ops?.apply(h, ctx.repl);
  return h;
}

/** Whether each chunk should reach the client at once (flush_interval -1, or an event stream). */
export function flushesImmediately(flushInterval: number | null, h: HeaderMap): boolean {
  if (flushInterval !== null && flushInterval < 0) return true;
  const type = h.first('content-type') ?? '';
  if (type.toLowerCase().startsWith('text/event-stream')) return true;
  // Caddy also streams responses of unknown length without buffering (Content-Length -1 and no compression).
  return false;
}

/**
 * Writes the head and streams the body; resolves when the client has it all,
 * rejects when the upstream breaks mid-body (the server then cuts the
 * connection, since the head is already out).
 */
export function sendResponse(ctx: Ctx, up: IncomingMessage, h: HeaderMap, flush: boolean): Promise<void> {
  const { w } = ctx;
  markProxiedResponse(w, up.httpVersion);
  for (const [name, values] of h.entries()) {
    for (const v of values) w.appendHeader(name, v);
  }
  w.statusCode = up.statusCode ?? 502;
  if (up.statusMessage) w.statusMessage = up.statusMessage;
  // Event streams: the head goes now, before any event, and small writes are not delayed.
  if (flush) w.flush();
  const headOnly = ctx.method === 'HEAD' || up.statusCode === 204 || up.statusCode === 304;
  return new Promise<void>((resolve, reject) => {
    let done = false;
    const finish = (err?: Error) => {
      if (done) return;
      done = true;
      w.offClose(onClientGone);
      if (err) {
        up.destroy();
        reject(err);
      } else resolve();
    };
    const onClientGone = () => {
      // The client went away: stop reading the upstream; nothing else to do.
      if (!w.writableFinished) {
        up.destroy();
        finish();
      }
    };
    w.onClose(onClientGone);
    if (headOnly) {
      up.resume();
      w.end();
      finish();
      return;
    }
    // Go's ResponseWriter names a missing Content-Type from the first bytes (unless encoded), so Caddy's clients get one.
    let sniff = !h.get('content-type') && !h.get('content-encoding') && !flush;
    up.on('data', (chunk: Buffer) => {
      if (sniff) {
        sniff = false;
        if (!w.headersSent && !w.hasHeader('content-type')) w.setHeader('Content-Type', detectContentType(chunk));
      }
      if (!w.write(chunk)) {
        up.pause();
        w.onceDrain(() => up.resume());
      }
    });
    up.on('end', () => {
      const raw = up.rawTrailers;
      if (raw.length > 0 && !h.get('content-length')) {
        const t: Record<string, string> = {};
        for (let i = 0; i + 1 < raw.length; i += 2) t[raw[i]!] = raw[i + 1]!;
        w.addTrailers(t);
      }
      w.end();
      finish();
    });
    up.on('error', (err) => finish(err));
    up.on('close', () => {
      if (!up.complete) finish(new Error('reading from upstream: unexpected EOF'));
    });
  });
}
