/**
 * The per-request Ctx, built from a node:http request the way Go's net/http
 * and Caddy's server (PrepareRequest) describe a request to the handlers:
 *
 * - the target parsed like url.ParseRequestURI: Path decoded, RawPath kept
 *   when the sent form is not the default encoding, RawQuery as sent; an
 *   absolute-form target's authority becomes the host;
 * - host without port, lower-cased, IPv6 brackets removed; port as sent;
 * - proto as Go names it (HTTP/1.1, HTTP/2.0);
 * - remote address with IPv4-mapped IPv6 unwrapped (Go reports 1.2.3.4 where
 *   a dual-stack Node socket reports ::ffff:1.2.3.4);
 * - the client IP after trusted_proxies (see clientip.ts), also in the
 *   variables `client_ip` and `trusted_proxy` as Caddy sets them;
 * - a request id (the {http.request.uuid}), the start time, and the replacer.
 */
import { randomUUID } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { type ClientIPOptions, determineClientIP } from './clientip.js';
import { parseRequestTarget } from '../go/url.js';
import { socketAddress, splitHostPort } from '../net/ip.js';
import { newReplacer } from './replacer.js';
import { type Ctx, HandlerError } from './types.js';

export { compileClientIPOptions, determineClientIP, type ClientIPOptions } from './clientip.js';

export interface CtxInfo {
  /** 'https' on TLS listeners; by default taken from the socket. */
  scheme?: 'http' | 'https';
  /** The server's trusted_proxies / client_ip_headers (compileClientIPOptions); none by default. */
  clientIP?: ClientIPOptions;
}

/** Host header (or authority) → [host without port, lower-cased and unbracketed; port as sent]. */
export function splitRequestHost(hostport: string): [string, string] {
  const hp = splitHostPort(hostport);
  let host: string;
  let port = '';
  if (hp !== null) {
    [host, port] = hp;
  } else {
    host = hostport;
    if (host.startsWith('[') && host.endsWith(']')) host = host.slice(1, -1);
  }
  return [host.toLowerCase(), port];
}

/** Go's r.Proto for Node's httpVersion. */
function protoOf(req: IncomingMessage): string {
  if (req.httpVersionMajor === 2) return 'HTTP/2.0';
  if (req.httpVersionMajor === 3) return 'HTTP/3.0';
  return `HTTP/${req.httpVersion}`;
}

/**
 * Builds the Ctx for a request. Throws HandlerError(400) when the target is
 * one Go's server refuses (bad escapes, control characters, not a path);
 * the server should answer 400 itself then, as net/http does.
 */
export function createCtx(req: IncomingMessage, res: ServerResponse, info: CtxInfo = {}): Ctx {
  const rawTarget = req.url ?? '/';
  const target = parseRequestTarget(rawTarget);
  if (target === null) throw new HandlerError(400, `invalid request URI: ${JSON.stringify(rawTarget)}`);

  const headers = req.headers;
  const hostport = target.host !== '' ? target.host : ((headers.host ?? headers[':authority'] ?? '') as string);
  const [host, port] = splitRequestHost(hostport);
  const socket = req.socket;
  const remoteIP = socketAddress(socket?.remoteAddress);
  const scheme = info.scheme ?? ((socket as { encrypted?: boolean } | undefined)?.encrypted ? 'https' : 'http');
  const { trusted, clientIP } = determineClientIP(req, remoteIP, info.clientIP);
  const method = req.method ?? 'GET';

  const ctx = {
    req,
    res,
    method,
    path: target.path,
    query: target.query,
    rawPath: target.rawPath,
    origMethod: method,
    origPath: target.path,
    origQuery: target.query,
    host,
    port,
    scheme,
    proto: protoOf(req),
    remoteIP,
    remotePort: socket?.remotePort ?? 0,
    clientIP,
    vars: new Map<string, unknown>([
      ['trusted_proxy', trusted],
      ['client_ip', clientIP],
    ]),
    repl: undefined as unknown as Ctx['repl'],
    start: process.hrtime.bigint(),
    id: randomUUID(),
    error: undefined,
    // Read by the placeholders (placeholders/request.ts), not part of the Ctx interface.
    hostport,
    origURI: rawTarget,
    forceQuery: target.forceQuery,
  };
  (ctx as { repl: Ctx['repl'] }).repl = newReplacer(ctx);
  return ctx;
}
