import type { IncomingMessage } from 'node:http';
import type { Replacer } from './replacer.js';
import type { ResponseWriter } from './response.js';

/**
 * Per-request state every handler and matcher sees. Built once per request
 * by the server; handlers mutate `uri`/`method` (rewrite) and `vars`.
 */
export interface Ctx {
  req: IncomingMessage;
  /**
   * The response. Middleware that wraps it (encode, deferred header ops)
   * installs its wrapper here for the rest of its chain and puts the
   * previous writer back when that chain returns.
   */
  w: ResponseWriter;
  /** Current method (a rewrite may change it); `req.method` stays the original. */
  method: string;
  /** Current path (decoded only where Caddy decodes) and raw query, without `?`. */
  path: string;
  query: string;
  /**
   * The path as sent, when it is not Go's default encoding of `path` (Go's
   * URL.RawPath: '/a%2Fb' for path '/a/b'); '' or absent otherwise. Path
   * matchers with escape sequences and {http.request.uri} read it; a value
   * that no longer decodes to `path` (a rewrite that did not update it) is
   * ignored, so rewrites may leave it alone.
   */
  rawPath?: string;
  /** As received, before any rewrite: Caddy's {http.request.orig_*}. */
  readonly origMethod: string;
  readonly origPath: string;
  readonly origQuery: string;
  /** Host without port, lower-cased; port as sent ('' if absent). A Host header op changes all three. */
  host: string;
  port: string;
  /** Go's r.Host: as sent, port included (`example.com:8080`), or the authority of an absolute-form target. */
  hostport: string;
  /** The request target as received (Go's r.RequestURI): {http.request.orig_uri}. */
  readonly origURI: string;
  /** The target ended in a lone '?' (Go's URL.ForceQuery), which {http.request.uri} keeps. */
  forceQuery: boolean;
  readonly scheme: 'http' | 'https';
  /** HTTP version as Caddy names it: 'HTTP/1.1', 'HTTP/2.0'. */
  readonly proto: string;
  readonly remoteIP: string;
  readonly remotePort: number;
  /** The client IP after trusted_proxies / client_ip_headers evaluation. */
  clientIP: string;
  /** `vars` handler values and internal variables (Caddy's http.vars.*). */
  readonly vars: Map<string, unknown>;
  /** Placeholder values; see replacer.ts. */
  readonly repl: Replacer;
  /** Request start (process.hrtime.bigint()), for {http.request.duration} and logs. */
  readonly start: bigint;
  readonly id: string;
  /** Set while error routes run: Caddy's {http.error.*}. */
  error?: HandlerError;
  /**
   * Route groups already satisfied (routes.ts); null until a grouped route
   * matches. Per request, not per route list: Caddy keeps it in the request
   * context, so a group is exclusive across nested subroutes too.
   */
  groups: Set<string> | null;
}

/** Continue with the rest of the chain. */
export type Next = () => Promise<void>;

/** Middleware, as in Caddy: do work, maybe call next, maybe write the response. */
export type Handler = (ctx: Ctx, next: Next) => Promise<void>;

/** A compiled request matcher; sync because every built-in one is (file checks use stat caches). */
export type Matcher = (ctx: Ctx) => boolean;

/** An error with an HTTP status, routed to handle_errors (Caddy's caddyhttp.HandlerError). */
export class HandlerError extends Error {
  constructor(
    readonly status: number,
    message: string,
    override readonly cause?: unknown,
    readonly id: string = Math.random().toString(36).slice(2, 11),
  ) {
    super(message);
    this.name = 'HandlerError';
  }
}
