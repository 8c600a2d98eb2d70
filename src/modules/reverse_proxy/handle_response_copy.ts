/**
 * copy_response and copy_response_headers (Caddy's copyresponse.go): the two
 * handlers that reach the upstream's response from inside reverse_proxy's
 * handle_response routes; anywhere else they answer 500, as in Caddy.
 */
import { DecodeError, jsonKind, ObjectReader } from '../../core/decode.js';
import { canonicalKey } from '../../core/header_ops.js';
import { handlerModule, type JSONObject } from '../../core/registry.js';
import { compileTemplate, type Template } from '../../core/replacer.js';
import { type Handler, HandlerError } from '../../core/types.js';
import { atoi, proxiedResponse } from './handle_response.js';

function decodeCopyResponse(json: JSONObject): { status: string } {
  const r = new ObjectReader(json);
  r.ignore('handler');
  const v = r.raw('status_code');
  if (v !== undefined && v !== null && typeof v !== 'number' && typeof v !== 'string') {
    throw new DecodeError(r.at('status_code'), `json: cannot unmarshal ${jsonKind(v)} into Go value of type caddyhttp.WeakString`);
  }
  r.done();
  return { status: v === undefined || v === null ? '' : String(v) };
}

function provisionCopyResponse(cfg: { status: string }): Handler {
  const status: Template | null = cfg.status === '' ? null : compileTemplate(cfg.status, 'empty');
  return async (ctx) => {
    const hr = proxiedResponse(ctx);
    if (hr === undefined) throw new HandlerError(500, "cannot use 'copy_response' outside of reverse_proxy's handle_response routes");
    if (status !== null) {
      hr.up.statusCode = atoi(status(ctx.repl));
      // Go writes the reason phrase of the status it writes.
      hr.up.statusMessage = '';
    }
    hr.finalized = true;
    await hr.copy(ctx, hr.up);
  };
}

export const copyResponseHandler = handlerModule('copy_response', { decode: decodeCopyResponse, provision: provisionCopyResponse });

interface CopyHeaders {
  include: Set<string> | null;
  exclude: Set<string> | null;
}

function decodeCopyResponseHeaders(json: JSONObject): CopyHeaders {
  const r = new ObjectReader(json);
  r.ignore('handler');
  const include = r.strList('include');
  const exclude = r.strList('exclude');
  r.done();
  if (include.length > 0 && exclude.length > 0) throw new Error("cannot define both 'exclude' and 'include' lists at the same time");
  return {
    include: include.length > 0 ? new Set(include.map(canonicalKey)) : null,
    exclude: exclude.length > 0 ? new Set(exclude.map(canonicalKey)) : null,
  };
}

// Fields that frame this one connection: copying them would corrupt the client's response, and Go's server drops them too.
const FRAMING = new Set(['Connection', 'Keep-Alive', 'Transfer-Encoding', 'Content-Length', 'Trailer', 'Upgrade', 'Te', 'Proxy-Connection']);

function provisionCopyResponseHeaders(cfg: CopyHeaders): Handler {
  const { include, exclude } = cfg;
  return (ctx, next) => {
    const hr = proxiedResponse(ctx);
    if (hr === undefined) return Promise.reject(new HandlerError(500, "cannot use 'copy_response_headers' outside of reverse_proxy's handle_response routes"));
    const raw = hr.up.rawHeaders;
    for (let i = 0; i + 1 < raw.length; i += 2) {
      const name = canonicalKey(raw[i]!);
      if (include !== null && !include.has(name)) continue;
      if (exclude !== null && exclude.has(name)) continue;
      if (FRAMING.has(name)) continue;
      ctx.w.appendHeader(name, raw[i + 1]!);
    }
    return next();
  };
}

export const copyResponseHeadersHandler = handlerModule('copy_response_headers', { decode: decodeCopyResponseHeaders, provision: provisionCopyResponseHeaders });
