/**
 * Access logs: one "handled request" line per request, as Caddy's
 * Server.logRequest writes it (modules/caddyhttp/server.go, marshalers.go),
 * for servers that have `logs` configured.
 *
 * Which loggers a Host header maps to (logger_names, wildcards, skip_hosts,
 * skip_unmapped_hosts) is decided once per distinct Host and cached; per
 * request there is a counter on the body read, the response writer's count
 * of the body written (node_response.ts), and the line itself.
 */
import type { IncomingMessage } from 'node:http';
import { splitHostPort } from '../../net/ip.js';
import type { CountingResponseWriter, ResponseWriter } from '../../core/response.js';
import type { EngineLog } from '../../core/log.js';
import type { JSONObject } from '../../core/registry.js';
import type { Ctx } from '../../core/types.js';
import { extraFields } from '../../modules/log_append/handler.js';
import { receivedRawHeaders, traceLogFields } from '../../modules/tracing/log_fields.js';
import { Duration } from '../../log/value.js';

import { isObject as isObj } from '../../go/json.js';

const ACCESS = 'http.log.access';
const ERROR = 'http.log.error';

/** Headers whose values never reach a log unless should_log_credentials is set. */
const CREDENTIALS = new Set(['cookie', 'set-cookie', 'authorization', 'proxy-authorization']);
const REDACTED = Object.freeze(['REDACTED']);

const canonCache = new Map<string, string>();

/** Go's textproto.CanonicalMIMEHeaderKey: "content-type" → "Content-Type"; odd names stay as they are. */
export function canonicalHeader(name: string): string {
  let c = canonCache.get(name);
  if (c !== undefined) return c;
  if (/[^A-Za-z0-9!#$%&'*+\-.^_`|~]/.test(name)) c = name;
  else c = name.toLowerCase().replace(/(^|-)([a-z])/g, (_m, d: string, ch: string) => d + ch.toUpperCase());
  if (canonCache.size < 2048) canonCache.set(name, c);
  return c;
}

/** Request headers as Go holds them (canonical names, all values, no Host), credentials redacted. */
export function requestHeaders(req: IncomingMessage, logCredentials: boolean): Record<string, string[]> {
  const out: Record<string, string[]> = {};
  // The tracing handler may have replaced the lines to add its traceparent; Caddy logs the request as received.
  const raw = receivedRawHeaders(req) ?? req.rawHeaders;
  for (let i = 0; i < raw.length; i += 2) {
    const name = canonicalHeader(raw[i]!);
    if (name === 'Host') continue;
    if (!logCredentials && CREDENTIALS.has(name.toLowerCase())) {
      out[name] = REDACTED as string[];
      continue;
    }
    (out[name] ??= []).push(raw[i + 1]!);
  }
  return out;
}

/** Response headers as the handlers set them (Go's ResponseWriter.Header()), credentials redacted. */
export function responseHeaders(res: ResponseWriter, logCredentials: boolean): Record<string, string[]> {
  const out: Record<string, string[]> = {};
  const names = res.getHeaderNames();
  for (const lower of names) {
    const name = canonicalHeader(lower);
    if (!logCredentials && CREDENTIALS.has(lower)) {
      out[name] = REDACTED as string[];
      continue;
    }
    const v = res.getHeader(lower);
    out[name] = Array.isArray(v) ? v.map(String) : [String(v)];
  }
  return out;
}

/** Caddy's LoggableHTTPRequest: the request as received (before rewrites). */
export function loggableRequest(ctx: Ctx, logCredentials: boolean): Record<string, unknown> {
  return {
    remote_ip: ctx.remoteIP,
    remote_port: ctx.remotePort ? String(ctx.remotePort) : '',
    client_ip: ctx.clientIP,
    proto: ctx.proto,
    method: ctx.origMethod,
    host: ctx.hostport,
    uri: ctx.req.url ?? '',
    headers: requestHeaders(ctx.req, logCredentials),
  };
}

/** certmagic.MatchWildcard: exact, or '*' standing for exactly one label. */
function matchWildcard(subject: string, wildcard: string): boolean {
  if (subject === wildcard) return true;
  if (!wildcard.includes('*')) return false;
  const s = subject.split('.');
  const w = wildcard.split('.');
  if (s.length !== w.length) return false;
  return w.every((label, i) => label === '*' || label === s[i]);
}

/** The request body bytes read, for one request. */
export interface Recorder {
  read: number;
}

interface Decision {
  /** Logger name suffixes ('' = the base logger); null: do not log this host. */
  names: readonly string[] | null;
}

export class AccessLog {
  private readonly decisions = new Map<string, Decision>();

  constructor(
    private readonly loggerNames: ReadonlyMap<string, readonly string[]>,
    private readonly defaultNames: readonly string[],
    private readonly skipHosts: readonly string[],
    private readonly skipUnmapped: boolean,
    readonly logCredentials: boolean,
    private readonly log: EngineLog,
  ) {}

  /** Starts counting request body bytes; call before any handler runs. */
  begin(ctx: Ctx): Recorder {
    const rec: Recorder = { read: 0 };
    const { req } = ctx;
    // Every way of consuming a Readable ends in a 'data' emit; listening
    // instead would switch the body to flowing mode behind the handlers' backs.
    // A body nobody read is drained by Node after the response (_dumped):
    // Caddy counts what handlers read, so that does not count.
    const emit = req.emit;
    req.emit = function (this: IncomingMessage, event: string | symbol, ...args: unknown[]): boolean {
      if (event === 'data' && !(this as { _dumped?: boolean })._dumped) rec.read += (args[0] as Buffer | string).length;
      return emit.call(this, event, ...args);
    } as typeof req.emit;
    return rec;
  }

  /** The access log line(s) for a finished request; `w` is the server's own writer (it counted the body). */
  finish(ctx: Ctx, rec: Recorder, w: CountingResponseWriter): void {
    // log_skip (Caddy 2.8+), skip_log (the same var before the rename).
    if (ctx.vars.get('log_skip') === true || ctx.vars.get('skip_log') === true) return;
    const names = this.namesFor(ctx.req.headers.host ?? '');
    if (names === null) return;
    const status = w.headersSent ? w.statusCode : 0;
    const user = ctx.repl.get('http.auth.user.id');
    const fields: Record<string, unknown> = {
      request: loggableRequest(ctx, this.logCredentials),
      bytes_read: rec.read,
      user_id: typeof user === 'string' ? user : '',
      duration: new Duration(Number(process.hrtime.bigint() - ctx.start)),
      size: w.written,
      status,
      resp_headers: responseHeaders(w, this.logCredentials),
    };
    // Caddy's tracing handler adds these to the request's extra log fields before its chain runs, so ahead of log_append's.
    const trace = traceLogFields(ctx);
    if (trace !== undefined) [fields.traceID, fields.spanID] = trace;
    const extra = extraFields(ctx);
    if (extra) for (const [k, v] of extra) fields[k] = v;
    const level = status >= 500 ? 'error' : 'info';
    for (const n of names) this.log(level, n === '' ? ACCESS : `${ACCESS}.${n}`, 'handled request', fields);
  }

  /** The error logger's name for this request's host (http.log.error[.name]). */
  errorLogger(ctx: Ctx): string {
    const names = this.namesFor(ctx.req.headers.host ?? '');
    const n = names?.[0] ?? this.defaultNames[0] ?? '';
    return n === '' ? ERROR : `${ERROR}.${n}`;
  }

  private namesFor(host: string): readonly string[] | null {
    let d = this.decisions.get(host);
    if (d === undefined) {
      d = { names: this.decide(host) };
      // Host headers are client-chosen: keep the cache bounded.
      if (this.decisions.size >= 1024) this.decisions.clear();
      this.decisions.set(host, d);
    }
    return d.names;
  }

  /**
   * Caddy's shouldLogRequest + getLoggerName: a mapped host (exactly, without
   * its port, or through a wildcard entry) is always logged; then skip_hosts
   * and skip_unmapped_hosts; the rest go to the default logger.
   */
  private decide(host: string): readonly string[] | null {
    const hp = splitHostPort(host);
    const hostOnly = hp ? hp[0] : host;
    const exact = this.loggerNames.get(host) ?? this.loggerNames.get(hostOnly);
    if (exact !== undefined) return exact;
    const labels = hostOnly.split('.');
    for (let i = 0; i < labels.length; i++) {
      if (labels[i] === '') continue;
      labels[i] = '*';
      const w = this.loggerNames.get(labels.join('.'));
      if (w !== undefined) return w;
    }
    for (const skip of this.skipHosts) if (matchWildcard(host, skip) || matchWildcard(hostOnly, skip)) return null;
    if (this.skipUnmapped) return null;
    return this.defaultNames;
  }
}

function stringList(v: unknown, field: string): string[] {
  if (v === undefined || v === null) return [];
  if (!Array.isArray(v) || v.some((x) => typeof x !== 'string')) throw new Error(`logs: ${field}: must be an array of strings`);
  return v as string[];
}

/** Compiles a server's `logs`; null when the server does not log requests. */
export function compileServerLogs(json: unknown, log: EngineLog): AccessLog | null {
  if (json === undefined || json === null) return null;
  if (!isObj(json)) throw new Error('logs: must be an object');
  const map = new Map<string, readonly string[]>();
  if (json.logger_names !== undefined && json.logger_names !== null) {
    if (!isObj(json.logger_names)) throw new Error('logs: logger_names: must be an object');
    for (const [host, v] of Object.entries(json.logger_names)) {
      // Caddy 2.6 maps a host to one name, later versions to a list.
      if (typeof v === 'string') map.set(host, [v]);
      else map.set(host, stringList(v, `logger_names[${host}]`));
    }
  }
  const def = json.default_logger_name;
  if (def !== undefined && typeof def !== 'string') throw new Error('logs: default_logger_name: must be a string');
  return new AccessLog(map, [def ?? ''], stringList(json.skip_hosts, 'skip_hosts'), json.skip_unmapped_hosts === true, json.should_log_credentials === true, log);
}
