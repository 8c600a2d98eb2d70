/**
 * static_response (Caddy's staticresp.go; the `respond` directive): a fixed
 * status, headers and body, each with placeholders compiled once. `close`
 * ends the connection after the response, `abort` drops it without one.
 */
import { AbortRequest, errorStatus, writeStatus } from '../../core/errors.js';
import { handlerModule } from '../../core/registry.js';
import { compileTemplate, type Template } from '../../core/replacer.js';
import type { Handler } from '../../core/types.js';
import { decodeStaticResponse, type StaticResponse } from './config.js';

/** Caddy's body sniff: a body that is a JSON object or array is served as JSON. */
function looksLikeJSON(body: string): boolean {
  const t = body.trim();
  if (t.length <= 2) return false;
  const wrapped = (t[0] === '{' && t[t.length - 1] === '}') || (t[0] === '[' && t[t.length - 1] === ']');
  if (!wrapped) return false;
  try {
    JSON.parse(t);
    return true;
  } catch {
    return false;
  }
}

function provision(config: StaticResponse): Handler {
  if (config.abort) {
    return () => Promise.reject(new AbortRequest());
  }
  const { close, status } = config;

  // Header names and values: ReplaceAll (unknown placeholders become empty).
  const headers: Array<[Template, Template[]]> = config.headers.map(([field, vals]) => [
    compileTemplate(field, 'empty'),
    vals.map((v) => compileTemplate(v, 'empty')),
  ]);
  const rawBody = config.body;
  // The body keeps placeholders nobody knows (ReplaceKnown), as Caddy does.
  const body = rawBody === '' ? null : compileTemplate(rawBody, 'keep');
  // The Content-Type guess looks at the configured text, so it is decided now.
  const defaultType = looksLikeJSON(rawBody) ? 'application/json' : 'text/plain; charset=utf-8';

  return async (ctx) => {
    const { w, repl } = ctx;
    if (close) {
      w.setHeader('Connection', 'close');
      w.closeAfterResponse();
    }
    for (const [field, vals] of headers) {
      const name = field(repl);
      if (name === '') continue;
      const values = vals.map((v) => v(repl));
      w.setHeader(name, values.length === 1 ? values[0]! : values);
    }
    const text = body === null ? '' : body(repl);
    if (text !== '' && !w.hasHeader('Content-Type')) w.setHeader('Content-Type', defaultType);

    // In an error route the error's status is the default; otherwise 200.
    let code = ctx.error ? errorStatus(ctx.error) : 200;
    if (status !== null) code = status(repl);
    // Like Go's WriteHeader, a status after the response started changes nothing.
    writeStatus(ctx, code);
    // Explicit, so that HEAD answers carry the length GET would have, as Go's do.
    if (text !== '' && code !== 204 && code !== 304 && !w.headersSent && !w.hasHeader('Content-Length')) {
      w.setHeader('Content-Length', Buffer.byteLength(text));
    }
    if (!w.writableEnded) w.end(text);
  };
}

export const staticResponseHandler = handlerModule('static_response', { decode: decodeStaticResponse, provision });
