/**
 * push (Caddy's push.Handler): HTTP/2 server push. On an HTTP/2 request
 * whose client accepts pushes, the configured resources are promised
 * first, then the resources of the response's Link fields (all of them but
 * `nopush` and remote ones, as Caddy: `rel` is not looked at) just before
 * its head goes out, once per request even with several push handlers.
 * Each promised request carries `Caddy-Push: 1` (a request with it never
 * pushes: no recursion), the original's Accept, Accept-Encoding,
 * Accept-Language, Cache-Control and User-Agent, and the `headers` ops; it
 * runs through the server's routes like any request (the writer's push(),
 * see src/apps/http/h2_server.ts). The first push that fails (push
 * disabled, too many streams) ends the pushing. On HTTP/1.x nothing
 * happens: the request goes on untouched, as in Caddy (no http.Pusher).
 */
import { buildHeaderOps, canonicalKey, type CompiledHeaderOps, type HeaderStore } from '../../core/header_ops.js';
import type { EngineLog } from '../../core/log.js';
import { handlerModule } from '../../core/registry.js';
import { compileTemplate, type Template } from '../../core/replacer.js';
import { ResponseWriterWrapper, type ResponseWriter } from '../../core/response.js';
import type { Ctx, Handler } from '../../core/types.js';
import { decodePush, type Push } from './config.js';
import { isRemoteResource, parseLinkHeader } from './link.js';

/** pushHeader: marks promised requests so they do not push again. */
const PUSH_HEADER = 'Caddy-Push';
/** pushedLink: the request variable saying the Link fields were pushed already. */
const PUSHED_LINK = 'http.handlers.push.pushed_link';
/** safeHeaders: copied from the request to every promised request (httpd does the same). */
const SAFE_HEADERS = ['Accept-Encoding', 'Accept-Language', 'Accept', 'Cache-Control', 'User-Agent'];
const LOGGER = 'http.handlers.push';
const CREDENTIALS = new Set(['cookie', 'set-cookie', 'authorization', 'proxy-authorization']);

type PushHeaders = Record<string, string[]>;

/** Go's http.Header for the promised requests, as the header ops see it. */
class HeaderMap implements HeaderStore {
  readonly fields = new Map<string, { name: string; values: string[] }>();
  names(): string[] {
    return [...this.fields.keys()];
  }
  get(lowerName: string): string[] | undefined {
    return this.fields.get(lowerName)?.values;
  }
  set(name: string, values: string[]): void {
    if (values.length === 0) this.fields.delete(name.toLowerCase());
    else this.fields.set(name.toLowerCase(), { name: canonicalKey(name), values: [...values] });
  }
  add(name: string, value: string): void {
    const f = this.fields.get(name.toLowerCase());
    if (f === undefined) this.set(name, [value]);
    else f.values.push(value);
  }
  del(lowerName: string): void {
    this.fields.delete(lowerName);
  }
  record(): PushHeaders {
    const out: PushHeaders = {};
    for (const f of this.fields.values()) out[f.name] = f.values;
    return out;
  }
}

function pushHeaders(ctx: Ctx, ops: CompiledHeaderOps | null): PushHeaders {
  const hdr = new HeaderMap();
  hdr.set(PUSH_HEADER, ['1']);
  const distinct = ctx.req.headersDistinct;
  for (const name of SAFE_HEADERS) {
    const v = distinct[name.toLowerCase()];
    if (v !== undefined) hdr.set(name, v);
  }
  if (ops !== null) ops.apply(hdr, ctx.repl);
  return hdr.record();
}

/** caddyhttp.LoggableHTTPHeader without credentials. */
function loggable(hdr: PushHeaders): PushHeaders {
  const out: PushHeaders = {};
  for (const name in hdr) out[name] = CREDENTIALS.has(name.toLowerCase()) ? ['REDACTED'] : hdr[name]!;
  return out;
}

/** Caddy's linkPusher: pushes the Link resources before the head goes out. */
class LinkPusher extends ResponseWriterWrapper {
  constructor(
    w: ResponseWriter,
    private readonly hdr: PushHeaders,
    private readonly ctx: Ctx,
    private readonly log: EngineLog | undefined,
  ) {
    super(w);
  }

  private pushLinks(): void {
    const links = this.w.getHeader('link');
    if (links === undefined || this.ctx.vars.has(PUSHED_LINK)) return;
    const lines = Array.isArray(links) ? links.map(String) : [String(links)];
    this.log?.('debug', LOGGER, 'pushing Link resources', { linked: lines });
    this.ctx.vars.set(PUSHED_LINK, true);
    for (const line of lines) {
      for (const r of parseLinkHeader(line)) {
        if (r.params.has('nopush') || isRemoteResource(r.uri)) continue;
        if (!this.push('GET', r.uri, this.hdr)) return;
      }
    }
  }

  // Caddy pushes on any WriteHeader, an interim 103 with Link fields included.
  override writeHead(status: number, message?: string): void {
    if (status < 200) this.pushLinks();
    super.writeHead(status, message);
  }

  protected override beforeHead(): void {
    this.pushLinks();
  }
}

interface Resource {
  method: string;
  /** As configured, for the log line. */
  rawMethod: string;
  raw: string;
  target: Template;
}

function provision(cfg: Push, env: { log?: EngineLog }): Handler {
  let ops: CompiledHeaderOps | null;
  try {
    ops = buildHeaderOps(cfg.headers);
  } catch (err) {
    throw new Error(`provisioning header operations: ${(err as Error).message}`);
  }
  // Go's Push defaults the method to GET; unknown placeholders become "." as in Caddy's ReplaceAll(target, ".").
  const resources: Resource[] = cfg.resources.map((r) => ({ method: r.method || 'GET', rawMethod: r.method, raw: r.target, target: compileTemplate(r.target, 'empty', { empty: '.' }) }));
  const log = env.log;

  return async (ctx, next) => {
    const w = ctx.w;
    if (ctx.req.httpVersionMajor !== 2 || w.push === undefined) return next();
    // A promised request: pushing from it would recurse.
    if (ctx.req.headers['caddy-push'] !== undefined) return next();

    const hdr = pushHeaders(ctx, ops);
    for (const r of resources) {
      log?.('debug', LOGGER, 'pushing resource', { uri: ctx.origURI, push_method: r.rawMethod, push_target: r.raw, push_headers: loggable(hdr) });
      if (!w.push(r.method, r.target(ctx.repl), hdr)) break;
    }
    ctx.w = new LinkPusher(w, hdr, ctx, log);
    try {
      await next();
    } finally {
      ctx.w = w;
    }
  };
}

export const pushHandler = handlerModule('push', { decode: decodePush, provision });
