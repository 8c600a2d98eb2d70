/**
 * The admin endpoint's HTTP side (Caddy's adminHandler and its routes), on
 * node:http: it is the control plane, not the data path, so it talks to
 * node's request and response directly.
 *
 *   /config/[path]            GET, POST, PUT, PATCH, DELETE (ETag / If-Match)
 *   /id/<id>[/path]           the same, at the object tagged "@id": <id>
 *   /load, /adapt             a whole config (JSON, or any adapter by Content-Type)
 *   /stop                     stops the process
 *   /reverse_proxy/upstreams  every upstream, with fails and health per handler
 *   /metrics                  the process's metrics (src/core/metrics), Prometheus text
 *   /pki/ca/<id>[/certificates]
 *   /souin-api/souin[/<regexp>]  the cache's keys, GET lists, PURGE drops (souin.ts)
 *
 * Before any route: Caddy's browser mitigations, the Host check against DNS
 * rebinding, and the Origin check (403 with Caddy's messages).
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { Socket } from 'node:net';
import { clean, cleanKeepSlash } from '../go/path.js';
import { goParseURL } from '../go/url.js';
import type { EngineLog } from '../core/log.js';
import { serverUpstreamStatuses } from '../core/upstream_status.js';
import { metricsContentType, metricsText } from '../core/metrics/index.js';
import { APIError } from './api_error.js';
import type { AllowedOrigin } from './address.js';
import { type ConfigManager, makeEtag } from './config_manager.js';
import { goEncode, goUnmarshal } from './go_json.js';
import { handleSouin, isSouinPath } from './souin.js';

/** A config adapter's warning, as caddyconfig.Warning marshals it. */
export interface AdaptWarning {
  file?: string;
  line?: number;
  directive?: string;
  message: string;
}

/** A config adapter (the CLI passes the Caddyfile's): text → config JSON. Throws on bad input. */
export type ConfigAdapter = (body: string) => { config: unknown; warnings: AdaptWarning[] };

export interface AdminDeps {
  manager: ConfigManager;
  /** Adapters by name, for Content-Type text/<name> on /load and /adapt. */
  adapters: ReadonlyMap<string, ConfigAdapter>;
  /** POST /stop: stops the apps; resolves once they stopped (the process exits after the answer). */
  stop: () => Promise<void>;
  log: EngineLog;
}

/** Who may talk to the endpoint (from the config's admin and the bound address). */
export interface Guard {
  enforceHost: boolean;
  enforceOrigin: boolean;
  origins: AllowedOrigin[];
}

/** Caddy's limit on a config body. */
const maxConfigSize = 100 * 1024 * 1024;

function readBody(req: IncomingMessage, limit: number): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (c: Buffer) => {
      size += c.length;
      if (size > limit) {
        reject(new APIError(400, 'reading request body: http: request body too large'));
        req.destroy();
        return;
      }
      chunks.push(c);
    });
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    req.on('error', (err) => reject(new APIError(400, `reading request body: ${err.message}`)));
  });
}

/** Go's mime.ParseMediaType, the part /load needs: the lower-cased type/subtype. */
function mediaType(ct: string): string {
  const t = ct.split(';')[0]!.trim().toLowerCase();
  if (t === '') throw new Error('mime: no media type');
  if (!/^[!#$%&'*+\-.^_`|~0-9a-z]+(\/[!#$%&'*+\-.^_`|~0-9a-z]+)?$/.test(t)) throw new Error('mime: expected token after slash');
  return t;
}

/** A body a route has started writing: a later error is appended (Go cannot change a sent status either). */
function writeJSON(res: ServerResponse, status: number, body: string): void {
  if (!res.headersSent) {
    res.setHeader('Content-Type', 'application/json');
    res.writeHead(status);
  }
  res.end(body);
}

export class AdminServer {
  readonly http: Server;
  guard: Guard;
  private closing = false;
  /** Responses being written: closing tells them to close their connection afterwards. */
  private readonly active = new Set<ServerResponse>();

  constructor(
    private readonly deps: AdminDeps,
    guard: Guard,
  ) {
    this.guard = guard;
    this.http = createServer({ requestTimeout: 10_000, headersTimeout: 5_000, keepAliveTimeout: 60_000, maxHeaderSize: 64 * 1024 }, (req, res) => {
      void this.serve(req, res);
    });
    // Node hands upgrades to their own event; Caddy refuses WebSockets with a 400.
    this.http.on('upgrade', (req: IncomingMessage, socket: Socket) => {
      const body = goEncode({ error: "WebSocket connections aren't allowed." });
      socket.end(`HTTP/1.1 400 Bad Request\r\nContent-Type: application/json\r\nContent-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`);
      this.deps.log('error', 'admin.api', 'request error', { error: 'websocket connections aren\'t allowed', status_code: 400 });
      void req;
    });
  }

  /** Stops accepting; requests in flight (a /stop, a /load that dropped this endpoint) still get their answer. */
  close(): Promise<void> {
    this.closing = true;
    for (const res of this.active) if (!res.headersSent) res.setHeader('Connection', 'close');
    return new Promise((resolve) => {
      this.http.close(() => resolve());
      this.http.closeIdleConnections();
      // Caddy gives its old endpoint 10 s to finish.
      setTimeout(() => this.http.closeAllConnections(), 10_000).unref();
    });
  }

  private async serve(req: IncomingMessage, res: ServerResponse): Promise<void> {
    if (this.closing) res.setHeader('Connection', 'close');
    this.active.add(res);
    res.on('close', () => this.active.delete(res));
    const sock = req.socket;
    this.deps.log('info', 'admin.api', 'received request', {
      method: req.method,
      host: req.headers.host ?? '',
      uri: req.url ?? '',
      remote_ip: sock.remoteAddress ?? '',
      remote_port: sock.remotePort === undefined ? '' : String(sock.remotePort),
    });
    const target = req.url ?? '/';
    const q = target.indexOf('?');
    let path: string;
    try {
      path = decodeURIComponent(q >= 0 ? target.slice(0, q) : target);
    } catch {
      path = q >= 0 ? target.slice(0, q) : target;
    }
    try {
      await this.route(req, res, path, target);
    } catch (err) {
      this.fail(res, err);
    }
  }

  private fail(res: ServerResponse, err: unknown): void {
    const e = err instanceof APIError ? err : new APIError(500, err instanceof Error ? err.message : String(err));
    this.deps.log('error', 'admin.api', 'request error', { error: e.message, status_code: e.status });
    writeJSON(res, e.status, goEncode({ error: e.message }));
  }

  /** Caddy's serveHTTP: checks, then the mux; an /id/ request comes back here with its expanded path. */
  private async route(req: IncomingMessage, res: ServerResponse, path: string, target: string): Promise<void> {
    const h = req.headers;
    if ((h['sec-fetch-mode'] ?? '').includes('no-cors')) throw new APIError(400, 'Disabling same-origin restrictions is not allowed.');
    if (h.origin === 'null') throw new APIError(400, 'Buggy browser is sending null Origin header.');
    const g = this.guard;
    if (g.enforceHost) {
      const host = h.host ?? '';
      if (!g.origins.some((o) => o.host === host)) throw new APIError(403, `host not allowed: ${host}`);
    }
    if (g.enforceOrigin || h.origin !== undefined || h['sec-fetch-mode'] !== undefined) {
      const origin = this.checkOrigin(req);
      if (req.method === 'OPTIONS') {
        res.setHeader('Access-Control-Allow-Methods', 'OPTIONS, GET, POST, PUT, PATCH, DELETE');
        res.setHeader('Access-Control-Allow-Headers', 'Content-Type, Content-Length, Cache-Control');
        res.setHeader('Access-Control-Allow-Credentials', 'true');
      }
      res.setHeader('Access-Control-Allow-Origin', origin);
    }
    await this.mux(req, res, path, target);
  }

  private checkOrigin(req: IncomingMessage): string {
    const raw = req.headers.origin ?? (req.headers.referer as string | undefined) ?? '';
    let scheme = '';
    let host = '';
    try {
      const u = goParseURL(raw);
      scheme = u.scheme;
      host = u.host;
    } catch {
      throw new APIError(403, 'required Origin header is missing or invalid');
    }
    const ok = this.guard.origins.some((o) => (o.scheme === '' || o.scheme === scheme) && o.host === host);
    if (!ok) throw new APIError(403, `client is not allowed to access from origin '${raw}'`);
    // url.URL.String() without path, query and fragment.
    return scheme !== '' ? `${scheme}://${host}` : host !== '' ? `//${host}` : '';
  }

  /** Go's ServeMux over Caddy's patterns: cleaned paths, subtree redirects, 404 otherwise. */
  private async mux(req: IncomingMessage, res: ServerResponse, path: string, target: string): Promise<void> {
    const cleaned = cleanKeepSlash(path.startsWith('/') ? path : `/${path}`);
    if (cleaned !== path) return this.redirect(req, res, cleaned, target);
    if (path === '/config' || path === '/id' || path === '/pki') return this.redirect(req, res, `${path}/`, target);
    if (path.startsWith('/config/')) return this.handleConfig(req, res, path);
    if (path.startsWith('/id/')) return this.handleConfigID(req, res, path, target);
    if (path.startsWith('/pki/')) return this.handlePKI(req, res, path);
    if (isSouinPath(path)) return handleSouin(req, res, target, this.deps.log);
    switch (path) {
      case '/stop':
        return this.handleStop(req, res);
      case '/load':
        return this.handleLoad(req, res);
      case '/adapt':
        return this.handleAdapt(req, res);
      case '/reverse_proxy/upstreams':
        return this.handleUpstreams(req, res);
      case '/metrics':
        // Caddy's admin.api.metrics: the text format only (no OpenMetrics negotiation there).
        res.setHeader('Content-Type', metricsContentType());
        res.end(await metricsText());
        return;
    }
    res.setHeader('Content-Type', 'text/plain; charset=utf-8');
    res.setHeader('X-Content-Type-Options', 'nosniff');
    res.writeHead(404);
    res.end('404 page not found\n');
  }

  private redirect(req: IncomingMessage, res: ServerResponse, to: string, target: string): void {
    const q = target.indexOf('?');
    const location = to + (q >= 0 ? target.slice(q) : '');
    res.setHeader('Location', location);
    if (req.method === 'GET' || req.method === 'HEAD') {
      res.setHeader('Content-Type', 'text/html; charset=utf-8');
      res.writeHead(301);
      res.end(`<a href="${location.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&#34;')}">Moved Permanently</a>.\n\n`);
      return;
    }
    res.writeHead(301);
    res.end();
  }

  private async handleConfig(req: IncomingMessage, res: ServerResponse, path: string): Promise<void> {
    const method = req.method ?? '';
    if (method === 'GET') {
      let out: string;
      try {
        out = this.deps.manager.read(path);
      } catch (err) {
        throw new APIError(400, (err as Error).message);
      }
      res.setHeader('Content-Type', 'application/json');
      res.setHeader('Etag', makeEtag(path, out));
      res.end(out);
      return;
    }
    if (method !== 'POST' && method !== 'PUT' && method !== 'PATCH' && method !== 'DELETE') {
      throw new APIError(405, `method ${method} not allowed`);
    }
    let body: string | undefined;
    if (method !== 'DELETE') {
      const ct = req.headers['content-type'] ?? '';
      if (!ct.includes('/json')) throw new APIError(400, `unacceptable content-type: ${ct}; 'application/json' required`);
      body = await readBody(req, maxConfigSize);
    }
    const force = req.headers['cache-control'] === 'must-revalidate';
    await this.deps.manager.change(method, path, body, (req.headers['if-match'] as string | undefined) ?? '', force);
    res.end();
  }

  private async handleConfigID(req: IncomingMessage, res: ServerResponse, path: string, target: string): Promise<void> {
    const parts = path.split('/');
    if (parts.length < 3 || parts[2] === '') throw new APIError(400, 'request path is missing object ID');
    const id = parts[2]!;
    const expanded = this.deps.manager.idPath(id);
    if (expanded === undefined) throw new APIError(404, `unknown object ID '${id}'`);
    // path.Join of the expanded path and the rest; then the request runs again from the checks.
    const joined = clean([expanded, ...parts.slice(3)].filter((p) => p !== '').join('/'));
    await this.route(req, res, joined, target);
  }

  private async handleStop(req: IncomingMessage, res: ServerResponse): Promise<void> {
    if (req.method !== 'POST') throw new APIError(405, 'method not allowed');
    this.deps.log('warn', 'admin.api', 'exiting; byeee!! 👋');
    await this.deps.stop();
    res.end();
  }

  /** caddyconfig's adaptByContentType: JSON (or no Content-Type) as is, else the adapter named by the subtype. */
  private adapt(contentType: string, body: string): { config: unknown; text: string | null; warnings: AdaptWarning[] } {
    if (contentType === '') return { config: undefined, text: body, warnings: [] };
    let ct: string;
    try {
      ct = mediaType(contentType);
    } catch (err) {
      throw new APIError(400, `invalid Content-Type: ${(err as Error).message}`);
    }
    if (ct.endsWith('/json')) return { config: undefined, text: body, warnings: [] };
    const slash = ct.indexOf('/');
    if (slash < 0) throw new APIError(400, 'malformed Content-Type');
    const name = ct.slice(slash + 1);
    const adapter = this.deps.adapters.get(name);
    if (adapter === undefined) throw new APIError(400, `unrecognized config adapter '${name}'`);
    try {
      const { config, warnings } = adapter(body);
      return { config, text: null, warnings };
    } catch (err) {
      throw new APIError(400, `adapting config using ${name} adapter: ${(err as Error).message}`);
    }
  }

  private async handleLoad(req: IncomingMessage, res: ServerResponse): Promise<void> {
    if (req.method !== 'POST') throw new APIError(405, 'method not allowed');
    const body = await readBody(req, maxConfigSize);
    const adapted = this.adapt(req.headers['content-type'] ?? '', body);
    if (adapted.warnings.length > 0) {
      // Caddy writes the warnings first, so the status is already 200 whatever follows.
      res.writeHead(200);
      res.write(JSON.stringify(adapted.warnings.map(warningJSON)));
    }
    const force = req.headers['cache-control'] === 'must-revalidate';
    try {
      await this.deps.manager.load(adapted.text ?? adapted.config, force);
    } catch (err) {
      throw new APIError(400, `loading config: ${(err as Error).message}`);
    }
    this.deps.log('info', 'admin.api', 'load complete');
    res.end();
  }

  private async handleAdapt(req: IncomingMessage, res: ServerResponse): Promise<void> {
    if (req.method !== 'POST') throw new APIError(405, 'method not allowed');
    const body = await readBody(req, maxConfigSize);
    const adapted = this.adapt(req.headers['content-type'] ?? '', body);
    let result: unknown = adapted.config;
    if (adapted.text !== null) {
      try {
        result = goUnmarshal(adapted.text);
      } catch (err) {
        throw new Error(`json: error calling MarshalJSON for type json.RawMessage: ${(err as Error).message}`);
      }
    }
    // A struct: warnings (omitempty) then result, whose keys keep the adapter's order.
    const warnings = adapted.warnings.length > 0 ? `"warnings":${JSON.stringify(adapted.warnings.map(warningJSON))},` : '';
    const raw = JSON.stringify(result ?? null);
    res.setHeader('Content-Type', 'application/json');
    res.end(`{${warnings}"result":${escapeHTML(raw)}}\n`);
  }

  private async handleUpstreams(req: IncomingMessage, res: ServerResponse): Promise<void> {
    if (req.method !== 'GET') throw new APIError(405, 'method not allowed');
    const list = await serverUpstreamStatuses();
    res.setHeader('Content-Type', 'application/json');
    res.end(`${escapeHTML(JSON.stringify(list))}\n`);
  }

  /** caddypki's admin routes. tsweb has no internal CA yet: every CA is unknown, as in Caddy without one. */
  private handlePKI(req: IncomingMessage, _res: ServerResponse, path: string): void {
    const parts = path.slice('/pki/'.length).split('/');
    const caInfo = parts.length === 2 && parts[0] === 'ca' && parts[1] !== '';
    const caCerts = parts.length === 3 && parts[0] === 'ca' && parts[1] !== '' && parts[2] === 'certificates';
    if (!caInfo && !caCerts) throw new APIError(404, `resource not found: ${path}`);
    if (req.method !== 'GET') throw new APIError(405, `method not allowed: ${req.method}`);
    throw new APIError(404, `no certificate authority configured with id: ${parts[1]}`);
  }
}

const escapeHTML = (text: string): string => text.replace(/[<>&\u2028\u2029]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);

/** caddyconfig.Warning's JSON: every field omitempty, in struct order. */
function warningJSON(w: AdaptWarning): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  if (w.file) out.file = w.file;
  if (w.line) out.line = w.line;
  if (w.directive) out.directive = w.directive;
  if (w.message) out.message = w.message;
  return out;
}
