/**
 * cache (caddyserver/cache-handler's http.handlers.cache): an RFC 9111
 * shared cache in front of the handlers after it.
 *
 * Per request, for a method in allowed_http_verbs (GET, HEAD): the key,
 * then a stored variant; fresh (or allowed stale by the request) answers at
 * once; within stale-while-revalidate it answers and revalidates in the
 * background; otherwise the request goes to the handlers after the cache —
 * with the stored validators, so a 304 refreshes the stored response — and
 * their response streams to the client while a copy is stored. Concurrent
 * misses on one key wait for the first one's fetch (a cache lock). A 5xx or
 * a failing upstream is answered by a stale response within stale-if-error.
 * Unsafe methods invalidate what they touch (§4.4).
 */
import type { IncomingHttpHeaders } from 'node:http';
import { join } from 'node:path';
import { handlerModule, type ProvisionEnv } from '../../core/registry.js';
import type { EngineLog } from '../../core/log.js';
import { requestStore } from '../../core/header_ops.js';
import type { HeaderValue, ResponseWriter } from '../../core/response.js';
import { type Ctx, type Handler, HandlerError, type Next } from '../../core/types.js';
import { type Directives, parseCacheControl, validTargeted } from './cache_control.js';
import { type NginxStatus, setCacheStatus, type StatusOptions } from './cache_status.js';
import { CaptureWriter, type ClientRange, type Decision } from './capture.js';
import { type Cache, decodeCache } from './config.js';
import { DetachedWriter } from './detached.js';
import { clearHeaders, clientNotModified, makeEntry, refreshed, selectVariant, storedHeaders, validatorsOf, varyNames, varyValues, writeStored } from './entry.js';
import { currentAge, keepFor, notStorable, staleOnError, timingOf, usable } from './freshness.js';
import { cacheKey } from './key.js';
import { type CacheStore, type Entry, MemoryStore } from './store.js';
import type { FetchMarks, Mark } from './fetch_marks.js';
import { acquire, type Named, release } from './stores.js';
import { acquireDisk, type DiskEntry, type DiskStore, releaseDisk } from './disk_store.js';
import { rangeStart } from './range.js';

const SAFE = new Set(['GET', 'HEAD', 'OPTIONS', 'TRACE']);
const EMPTY = Buffer.alloc(0);
const NONE: Directives = new Map();

function requestDirectives(h: IncomingHttpHeaders): Directives {
  const cc = h['cache-control'];
  if (cc !== undefined) return parseCacheControl(cc);
  // §5.4: Pragma: no-cache counts only when the request has no Cache-Control.
  const pragma = h['pragma'];
  return pragma !== undefined && /(^|,)\s*no-cache\s*(,|$)/i.test(pragma) ? new Map([['no-cache', true]]) : NONE;
}

/** The field this cache obeys: a valid CDN-Cache-Control (RFC 9213), else Cache-Control. */
function cacheControlOf(h: Record<string, HeaderValue>): HeaderValue | undefined {
  const cdn = h['cdn-cache-control'];
  return cdn !== undefined && validTargeted(cdn) ? cdn : h['cache-control'];
}

/** Resolves when `p` does or after `ms` (lock_timeout), whichever comes first. */
function within(p: Promise<void>, ms: number): Promise<void> {
  if (ms <= 0) return Promise.resolve();
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<void>((resolve) => (timer = setTimeout(resolve, ms)));
  return Promise.race([p, late]).finally(() => clearTimeout(timer));
}

const ttlSeconds = (e: Entry, now: number): number => Math.floor((e.timing.lifetimeMs - currentAge(e.timing, now)) / 1000);

/** One request that goes past the cache: what the capture's decision needs, and what it decided. */
class Fetch {
  res: Directives = NONE;
  requestTime = Date.now();
  constructor(
    readonly cache: CacheHandler,
    readonly ctx: Ctx,
    readonly w: ResponseWriter,
    readonly key: string,
    readonly cand: Entry | undefined,
    readonly reqCC: Directives,
    readonly fwd: string,
    /** The cache sent the stored validators itself (the client sent none). */
    readonly validating: boolean,
  ) {}

  decide(cw: CaptureWriter): Decision {
    const { cache, cand } = this;
    const cfg = cache.cfg;
    const s = cw.status;
    if (this.validating && s === 304) return 'swallow';
    if (cand !== undefined && s >= 500 && staleOnError(cand.timing, this.reqCC, Date.now())) return 'swallow';
    const nginx: NginxStatus = this.fwd === 'stale' ? 'EXPIRED' : 'MISS';
    if (cw.headers['cache-control'] === undefined && cfg.defaultCacheControl !== '') {
      this.w.setHeader('Cache-Control', cfg.defaultCacheControl);
      cw.headers['cache-control'] = cfg.defaultCacheControl;
    }
    // RFC 9213: a CDN-Cache-Control field, when present, replaces Cache-Control for this cache.
    this.res = parseCacheControl(cacheControlOf(cw.headers));
    const method = this.ctx.method;
    let reason = notStorable({
      status: s,
      res: this.res,
      req: this.reqCC,
      expires: cw.headers['expires'],
      vary: varyNames(cw.headers['vary']),
      authorization: this.ctx.req.headers.authorization !== undefined,
      authInKey: cache.authInKey,
      bypassRequest: cfg.bypassRequest,
      bypassResponse: cfg.bypassResponse,
    });
    if (reason === null && method === 'HEAD' && cfg.key.disableMethod) reason = 'HEAD-WITHOUT-METHOD-IN-KEY';
    const declared = Number(cw.headers['content-length'] ?? 0);
    if (reason === null && declared > cfg.maxBodyBytes) reason = 'UPSTREAM-RESPONSE-TOO-LARGE';
    if (reason !== null) {
      setCacheStatus(this.w, cache.status, `fwd=${this.fwd}`, this.key, nginx, reason);
      return 'pass';
    }
    setCacheStatus(this.w, cache.status, `fwd=${this.fwd}; stored`, this.key, nginx);
    return 'capture';
  }
}

export class CacheHandler {
  readonly store: CacheStore;
  readonly status: StatusOptions;
  readonly authInKey: boolean;
  /** Keys being fetched: later misses on the same key wait for these. */
  private readonly inflight: Map<string, Promise<void>>;
  /** Keys being fetched by any worker (null: the store is this worker's alone). */
  private readonly marks: FetchMarks | null;

  constructor(
    readonly cfg: Cache,
    private readonly log: EngineLog | undefined,
    shared: Named = { store: new MemoryStore(cfg.memoryLimit), inflight: new Map(), refs: 1 },
    /** Every stored response is also written here; large bodies live only here. */
    readonly disk?: DiskStore,
  ) {
    this.store = shared.store;
    this.inflight = shared.inflight;
    this.marks = shared.marks ?? null;
    this.status = { name: cfg.cacheName, hideKey: cfg.key.hide, xCacheStatus: cfg.xCacheStatus };
    this.authInKey = cfg.key.headers.some((h) => h.toLowerCase() === 'authorization');
  }

  async serve(ctx: Ctx, next: Next): Promise<void> {
    // An upgrade (WebSocket) takes the connection over: nothing to cache, and the handlers need the writer's hijack.
    if (ctx.req.headers.upgrade !== undefined) return next();
    const method = ctx.method;
    if (!this.cfg.verbs.has(method)) {
      if (SAFE.has(method)) {
        setCacheStatus(ctx.w, this.status, 'fwd=bypass', '', 'BYPASS', 'UNSUPPORTED-METHOD');
        return next();
      }
      return this.invalidating(ctx, next);
    }
    const key = this.keyOf(ctx, method, ctx.path, ctx.query);
    const reqCC = this.cfg.bypassRequest ? NONE : requestDirectives(ctx.req.headers);
    const now = Date.now();
    const variants = this.store.variants(key, now);
    let e = variants === undefined ? undefined : selectVariant(variants, ctx.req.headers);
    if (e === undefined && this.disk !== undefined) e = await this.fromDisk(ctx, key, now);
    if (e !== undefined) {
      const u = usable(e.timing, reqCC, now, this.cfg.bypassRequest);
      if (u === 'fresh' || u === 'stale-ok') {
        return this.answer(ctx, key, e, now, 'hit', u === 'fresh' ? 'HIT' : 'STALE');
      }
      if (u === 'stale-revalidate') {
        await this.answer(ctx, key, e, now, 'hit', 'UPDATING', 'STALE-WHILE-REVALIDATE');
        return this.revalidateAfter(ctx, next, key, e, reqCC);
      }
    }
    if (reqCC.has('only-if-cached')) {
      setCacheStatus(ctx.w, this.status, 'fwd=miss', key, 'MISS', 'ONLY-IF-CACHED');
      ctx.w.writeHead(504);
      ctx.w.end();
      return;
    }
    const fwd = e !== undefined ? (reqCC.has('no-cache') ? 'request' : 'stale') : variants !== undefined ? 'vary-miss' : 'uri-miss';
    const pending = this.inflight.get(key);
    if (pending !== undefined) {
      await within(pending, this.cfg.lockTimeoutMs);
      return this.afterWait(ctx, next, key, e, reqCC, fwd);
    }
    let done!: () => void;
    this.inflight.set(key, new Promise<void>((resolve) => (done = resolve)));
    let mark: Mark | undefined;
    try {
      if (this.marks !== null && this.cfg.lockTimeoutMs > 0) {
        const start = Date.now();
        mark = this.marks.take(key, start, this.cfg.lockTimeoutMs);
        if (mark.kind === 'held') {
          // Another worker fetches this key: this one waits for it as its own later misses wait for this one.
          await this.marks.wait(key, start + this.cfg.lockTimeoutMs, this.cfg.lockTimeoutMs);
          return await this.afterWait(ctx, next, key, e, reqCC, fwd);
        }
      }
      await this.forward(ctx, next, key, e, reqCC, fwd);
    } finally {
      if (mark !== undefined) this.marks!.release(mark);
      this.inflight.delete(key);
      done();
    }
  }

  /** After waiting for another request's fetch: its stored response if fresh (collapsed), else a fetch of this request's own. */
  private async afterWait(ctx: Ctx, next: Next, key: string, e: Entry | undefined, reqCC: Directives, fwd: string): Promise<void> {
    const later = Date.now();
    const vs = this.store.variants(key, later);
    let got = vs === undefined ? undefined : selectVariant(vs, ctx.req.headers);
    if (got === undefined && this.disk !== undefined) got = await this.fromDisk(ctx, key, later);
    if (got !== undefined && got !== e && usable(got.timing, reqCC, later, this.cfg.bypassRequest) === 'fresh') {
      return this.answer(ctx, key, got, later, `fwd=${fwd}; collapsed`, 'HIT');
    }
    return this.forward(ctx, next, key, got ?? e, reqCC, fwd);
  }

  private keyOf(ctx: Ctx, method: string, path: string, query: string): string {
    return cacheKey(this.cfg.key, { method, scheme: ctx.scheme, host: ctx.hostport, path, query }, ctx.req.headers);
  }

  /** Answers from a stored response; `params` is the Cache-Status part before ttl. A body on disk settles the promise once sent. */
  private answer(ctx: Ctx, key: string, e: Entry, now: number, params: string, nginx: NginxStatus, detail?: string): void | Promise<void> {
    const { w, req } = ctx;
    setCacheStatus(w, this.status, `${params}; ttl=${ttlSeconds(e, now)}`, key, nginx, detail);
    return writeStored(w, e, now, ctx.method === 'HEAD', clientNotModified(req.headers, e), req.headers);
  }

  /** A miss in memory looks on disk; a small body found there goes back into memory. */
  private async fromDisk(ctx: Ctx, key: string, now: number): Promise<Entry | undefined> {
    let e: DiskEntry | undefined;
    try {
      e = await this.disk!.lookup(key, ctx.req.headers, now, ctx.w);
    } catch (err) {
      this.log?.('error', 'http.handlers.cache', 'reading the disk store failed', { key, error: (err as Error).message });
      return undefined;
    }
    if (e !== undefined && e.file === undefined) this.store.put(key, e);
    return e;
  }

  /** Writes through to disk (the client has its answer: a failure only costs persistence). */
  private toDisk(key: string, p: Promise<void>): void {
    p.catch((err: unknown) => this.diskFailed(key, err));
  }

  private diskFailed(key: string, err: unknown): void {
    this.log?.('error', 'http.handlers.cache', 'writing to the disk store failed', { key, error: (err as Error).message });
  }

  /** Stores an entry (in place of `old`, refreshed by a 304): in memory when its body is there, and on disk. */
  private put(key: string, e: DiskEntry, old?: Entry): void {
    if (e.file === undefined) {
      if (old === undefined) this.store.put(key, e);
      else this.store.replace(key, old, e);
    }
    if (this.disk === undefined) return;
    this.toDisk(key, e.file === undefined ? this.disk.put(key, e) : this.disk.refresh(key, e.file, e));
  }

  private async forward(ctx: Ctx, next: Next, key: string, cand: Entry | undefined, reqCC: Directives, fwd: string): Promise<void> {
    const w = ctx.w;
    const h = ctx.req.headers;
    const kept = new Set(w.getHeaderNames());
    let validating = false;
    if (cand !== undefined && h['if-none-match'] === undefined && h['if-modified-since'] === undefined) {
      const v = validatorsOf(cand);
      // Through both of Node's views, so reverse_proxy (which reads headersDistinct once they changed) sends them.
      if (v.etag !== undefined) requestStore(ctx.req).set('if-none-match', [v.etag]);
      else if (v.lastModified !== undefined) requestStore(ctx.req).set('if-modified-since', [v.lastModified]);
      validating = v.etag !== undefined || v.lastModified !== undefined;
    }
    // As nginx's proxy_cache: the origin is asked for the whole response (stored), the client gets its range of it —
    // unless the range starts past what could be stored (nginx's proxy_cache_max_range_offset): then it goes as it came.
    let range: ClientRange | undefined;
    if (h.range !== undefined && ctx.method === 'GET' && rangeStart(h.range) <= this.cfg.maxBodyBytes) {
      const ir = h['if-range'];
      range = { range: h.range, ifRange: Array.isArray(ir) ? ir.join(', ') : ir };
      requestStore(ctx.req).del('range');
      requestStore(ctx.req).del('if-range');
    }
    const f = new Fetch(this, ctx, w, key, cand, reqCC, fwd, validating);
    const spill = this.disk === undefined ? undefined : { threshold: this.cfg.memoryBodyMax, spill: () => this.disk!.spill() };
    const cw = new CaptureWriter(w, this.cfg.maxBodyBytes, f, spill, range);
    let failure: unknown;
    ctx.w = cw;
    try {
      await next();
    } catch (err) {
      failure = err;
    } finally {
      ctx.w = w;
      if (validating) {
        const store = requestStore(ctx.req);
        store.del('if-none-match');
        store.del('if-modified-since');
      }
      if (range !== undefined) {
        requestStore(ctx.req).set('range', [range.range]);
        if (range.ifRange !== undefined) requestStore(ctx.req).set('if-range', [range.ifRange]);
      }
    }
    const spilled = cw.takeSpill(failure === undefined);
    const now = Date.now();
    if (cw.decision === 'swallow') {
      clearHeaders(w, kept);
      if (cw.status === 304 && cand !== undefined) {
        const res = parseCacheControl(cacheControlOf(cw.headers) ?? cacheControlOf(cand.headers));
        const timing = timingOf(res, cw.headers, f.requestTime, now, this.cfg.ttlMs, this.cfg.staleMs, this.cfg.bypassResponse);
        const fresh: DiskEntry = refreshed(key, cand, cw.headers, res, timing, this.keepMs(timing, true));
        this.put(key, fresh, cand);
        await this.answer(ctx, key, fresh, now, `fwd=${fwd}; fwd-status=304`, 'REVALIDATED');
      } else if (cand !== undefined) {
        await this.answer(ctx, key, cand, now, `fwd=${fwd}; fwd-status=${cw.status}`, 'STALE', 'STALE-IF-ERROR');
      }
      return;
    }
    if (failure !== undefined) {
      if (cand !== undefined && !w.headersSent && staleOnError(cand.timing, reqCC, now)) {
        const status = failure instanceof HandlerError ? failure.status : 502;
        this.log?.('warn', 'http.handlers.cache', 'upstream failed; serving a stale response', { key, error: String((failure as Error).message ?? failure) });
        clearHeaders(w, kept);
        return this.answer(ctx, key, cand, now, `fwd=${fwd}; fwd-status=${status}`, 'STALE', 'STALE-IF-ERROR');
      }
      throw failure;
    }
    if (cw.decision === 'capture' && cw.ended && !cw.overflow) {
      const timing = timingOf(f.res, cw.headers, f.requestTime, now, this.cfg.ttlMs, this.cfg.staleMs, this.cfg.bypassResponse);
      const hasValidator = cw.headers['etag'] !== undefined || cw.headers['last-modified'] !== undefined;
      const keep = this.keepMs(timing, hasValidator);
      if (keep > 0) {
        const vary = varyValues(varyNames(cw.headers['vary']), h);
        const entry = makeEntry(key, cw.status, storedHeaders(cw.headers, f.res), spilled === undefined ? cw.body : EMPTY, vary, timing, keep);
        // Awaited: requests coalesced on this key look for it on disk once this fetch is over.
        if (spilled !== undefined) await this.disk!.commit(spilled, key, entry).catch((err: unknown) => this.diskFailed(key, err));
        else this.put(key, entry);
      } else {
        spilled?.discard();
      }
    } else {
      spilled?.discard();
    }
  }

  /** Stale responses with validators are worth keeping for revalidation even past their stale windows. */
  private keepMs(timing: ReturnType<typeof timingOf>, hasValidator: boolean): number {
    const k = keepFor(timing);
    return hasValidator ? Math.max(k, this.cfg.ttlMs) : k;
  }

  /**
   * stale-while-revalidate: the client has its whole answer; the handlers
   * after the cache run again into a writer no client sees. `next` runs the
   * rest of the route with this ctx, so ctx.w is swapped for the time of it;
   * the handler returns once the revalidation is done (the client is not
   * kept waiting, only this request's log line).
   */
  private async revalidateAfter(ctx: Ctx, next: Next, key: string, e: Entry, reqCC: Directives): Promise<void> {
    if (this.inflight.has(key)) return;
    // One revalidation for the server: another worker's is as good.
    const mark = this.marks?.take(key, Date.now(), this.cfg.lockTimeoutMs);
    if (mark?.kind === 'held') return;
    let done!: () => void;
    this.inflight.set(key, new Promise<void>((resolve) => (done = resolve)));
    const w = ctx.w;
    ctx.w = new DetachedWriter();
    try {
      await this.forward(ctx, next, key, e, reqCC, 'stale');
    } catch (err) {
      this.log?.('warn', 'http.handlers.cache', 'background revalidation failed', { key, error: String((err as Error).message ?? err) });
    } finally {
      ctx.w = w;
      if (mark !== undefined) this.marks!.release(mark);
      this.inflight.delete(key);
      done();
    }
  }

  /** §4.4: a non-error response to an unsafe method invalidates the URI and its Location / Content-Location. */
  private async invalidating(ctx: Ctx, next: Next): Promise<void> {
    const w = ctx.w;
    await next();
    const s = w.statusCode;
    if (s < 200 || s >= 400) return;
    this.invalidate(ctx, ctx.path, ctx.query);
    for (const name of ['location', 'content-location']) {
      const v = w.getHeader(name);
      if (typeof v !== 'string') continue;
      let u: URL;
      try {
        u = new URL(v, `${ctx.scheme}://${ctx.hostport}${ctx.path}`);
      } catch {
        continue;
      }
      // Only the same origin: a response must not purge another site's entries.
      if (u.host !== ctx.hostport || u.protocol !== `${ctx.scheme}:`) continue;
      this.invalidate(ctx, decodeURIComponent(u.pathname), u.search.slice(1));
    }
  }

  private invalidate(ctx: Ctx, path: string, query: string): void {
    for (const m of this.cfg.key.disableMethod ? ['GET'] : ['GET', 'HEAD']) {
      const key = this.keyOf(ctx, m, path, query);
      this.store.delete(key);
      if (this.disk !== undefined) this.toDisk(key, this.disk.delete(key));
    }
  }
}

/** A cache_name as one directory name: nothing that climbs out of the path or into another. */
const dirName = (name: string): string => (/^[A-Za-z0-9_-][A-Za-z0-9._-]*$/.test(name) ? name : encodeURIComponent(name).replace(/^\./, '%2E'));

function provision(cfg: Cache, env: ProvisionEnv): Handler {
  if (cfg.ignored.length > 0) {
    env.log?.('warn', 'http.handlers.cache', `options not supported by tsweb yet, ignored: ${cfg.ignored.join(', ')}`, {});
  }
  // Provisioned before the old config is cleaned up, so a reload keeps what is stored.
  const shared = acquire(cfg.cacheName, cfg.memoryLimit, env.log);
  const d = cfg.disk;
  const disk = d === undefined ? undefined : acquireDisk({ dir: join(d.path, dirName(cfg.cacheName)), maxBytes: d.maxBytes, maxEntries: d.maxEntries, memoryBodyMax: cfg.memoryBodyMax }, env.log);
  const c = new CacheHandler(cfg, env.log, shared, disk);
  env.onCleanup(() => {
    release(cfg.cacheName, shared);
    if (disk !== undefined) releaseDisk(disk);
  });
  return (ctx, next) => c.serve(ctx, next);
}

export const cacheHandler = handlerModule('cache', { decode: decodeCache, provision });
