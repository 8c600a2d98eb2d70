/**
 * The moment a response head is written, as Go's ResponseWriter.WriteHeader
 * wrappers see it. Node writes the head in writeHead(), which write(), end()
 * and flushHeaders() call through `this.writeHead` when the handler did not,
 * so wrapping the instance's writeHead sees every path. Wrappers stack like
 * Caddy's: the one installed last (the inner middleware) runs first and
 * hands on to the one before it.
 */
import type { OutgoingHttpHeaders, ServerResponse } from 'node:http';

type WriteHead = ServerResponse['writeHead'];

/**
 * Applies headers given to writeHead(status, [message], headers) with
 * setHeader, so that hooks see them; returns the status message, if any.
 */
export function absorbWriteHeadArgs(res: ServerResponse, args: unknown[]): string | undefined {
  let message: string | undefined;
  let headers: unknown;
  if (typeof args[0] === 'string') {
    message = args[0];
    headers = args[1];
  } else {
    headers = args[0];
  }
  if (Array.isArray(headers)) {
    // Either [[k, v], ...] or a flat [k, v, k, v, ...] list; repeated names add values.
    const pairs: Array<[string, string]> = [];
    if (headers.length > 0 && Array.isArray(headers[0])) for (const [k, v] of headers as Array<[string, string]>) pairs.push([k, v]);
    else for (let i = 0; i + 1 < headers.length; i += 2) pairs.push([String(headers[i]), String(headers[i + 1])]);
    const seen = new Set<string>();
    for (const [k, v] of pairs) {
      const lk = k.toLowerCase();
      if (seen.has(lk)) res.appendHeader(k, v);
      else res.setHeader(k, v);
      seen.add(lk);
    }
  } else if (headers !== undefined && headers !== null && typeof headers === 'object') {
    for (const [k, v] of Object.entries(headers as OutgoingHttpHeaders)) if (v !== undefined) res.setHeader(k, v);
  }
  return message;
}

/**
 * Runs `hook(status)` once, right before the final (non-1xx) response head
 * goes out, with the response's headers still changeable. Returns a
 * function that removes the hook (and anything installed after it) once the
 * middleware that installed it has returned: as in Caddy, a wrapper only
 * sees what the handlers after it write, not what the error routes write
 * later.
 */
export function onResponseHead(res: ServerResponse, hook: (status: number) => void): () => void {
  const prev: WriteHead = res.writeHead;
  let done = false;
  res.writeHead = function writeHead(this: ServerResponse, status: number, ...args: unknown[]) {
    if (done || res.headersSent || (status >= 100 && status <= 199)) {
      return (prev as (...a: unknown[]) => ServerResponse).call(this, status, ...args);
    }
    done = true;
    const message = absorbWriteHeadArgs(res, args);
    hook(status);
    return message === undefined ? prev.call(this, status) : (prev as (...a: unknown[]) => ServerResponse).call(this, status, message);
  } as WriteHead;
  return () => {
    res.writeHead = prev;
  };
}
