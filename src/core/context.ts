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
import type { IncomingMessage } from 'node:http';
import { type ClientIPOptions, determineClientIP } from './clientip.js';
import { parseRequestTarget, type RequestTarget } from '../go/url.js';
import { socketAddress, splitHostPort } from '../net/ip.js';
import { newReplacer, type Replacer } from './replacer.js';
import type { ResponseWriter } from './response.js';
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

/** The per-request state; a class so every request's Ctx has one shape. */
class RequestCtx implements Ctx {
  method: string;
  path: string;
  query: string;
  rawPath: string | undefined;
  readonly origMethod: string;
  readonly origPath: string;
  readonly origQuery: string;
  host: string;
  port: string;
  hostport: string;
  readonly origURI: string;
  forceQuery: boolean;
  readonly scheme: 'http' | 'https';
  readonly proto: string;
  readonly remoteIP: string;
  readonly remotePort: number;
  clientIP: string;
  readonly vars: Map<string, unknown>;
  readonly repl: Replacer;
  readonly start: bigint;
  readonly id: string;
  error: HandlerError | undefined = undefined;
  groups: Set<string> | null = null;

  constructor(
    readonly req: IncomingMessage,
    public w: ResponseWriter,
    info: CtxInfo,
    rawTarget: string,
    target: RequestTarget,
  ) {
    const headers = req.headers;
    const hostport = target.host !== '' ? target.host : ((headers.host ?? headers[':authority'] ?? '') as string);
    const [host, port] = splitRequestHost(hostport);
    const socket = req.socket;
    const remoteIP = socketAddress(socket?.remoteAddress);
    const { trusted, clientIP } = determineClientIP(req, remoteIP, info.clientIP);
    const method = req.method ?? 'GET';
    this.method = method;
    this.path = target.path;
    this.query = target.query;
    this.rawPath = target.rawPath;
    this.origMethod = method;
    this.origPath = target.path;
    this.origQuery = target.query;
    this.host = host;
    this.port = port;
    this.hostport = hostport;
    this.origURI = rawTarget;
    this.forceQuery = target.forceQuery;
    this.scheme = info.scheme ?? ((socket as { encrypted?: boolean } | undefined)?.encrypted ? 'https' : 'http');
    this.proto = protoOf(req);
    this.remoteIP = remoteIP;
    this.remotePort = socket?.remotePort ?? 0;
    this.clientIP = clientIP;
    this.vars = new Map<string, unknown>([
      ['trusted_proxy', trusted],
      ['client_ip', clientIP],
    ]);
    this.start = process.hrtime.bigint();
    this.id = randomUUID();
    this.repl = newReplacer(this);
  }
}

/**
 * Builds the Ctx for a request. Throws HandlerError(400) when the target is
 * one Go's server refuses (bad escapes, control characters, not a path);
 * the server should answer 400 itself then, as net/http does.
 */
export function createCtx(req: IncomingMessage, w: ResponseWriter, info: CtxInfo = {}): Ctx {
  const rawTarget = req.url ?? '/';
  const target = parseRequestTarget(rawTarget);
  if (target === null) throw new HandlerError(400, `invalid request URI: ${JSON.stringify(rawTarget)}`);
  return new RequestCtx(req, w, info, rawTarget, target);
}
