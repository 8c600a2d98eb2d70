/**
 * reverse_proxy (Caddy's reverseproxy.Handler), the core: upstreams picked
 * by a selection policy, tried again under Caddy's retry rule, one HTTP/1.1
 * keep-alive transport, request and response streamed both ways, and
 * upgraded connections (WebSocket) tunnelled. The pieces live in src/proxy/,
 * one concern per file; this file provisions them and runs the attempt loop.
 *
 * Active health checks run beside it (active_health.ts); handle_response
 * takes over answers at one point of the attempt (handle_response.ts).
 *
 * Dynamic upstreams, lb_retry_match, body buffering and the tunnels' life
 * each hang off one point here (dynamic_upstreams.ts, retry_match.ts,
 * body_buffers.ts, tunnels.ts). Refused for now (named in the error): other
 * transports.
 */
import type { IncomingMessage } from 'node:http';
import { registerUpstreamStatus } from '../../core/upstream_status.js';
import { silentLog } from '../../core/log.js';
import { isPrimaryWorker } from '../../core/shared/index.js';
import { cidrToPrefix } from '../../core/clientip.js';
import { AbortRequest } from '../../core/errors.js';
import { goDuration } from '../../go/fmt.js';
import { parseAddr, prefixContains, type Prefix } from '../../net/ip.js';
import { handlerModule, type ProvisionEnv } from '../../core/registry.js';
import type { Ctx, Handler, Next } from '../../core/types.js';
import { buildHeaderOps } from '../../core/header_ops.js';
import { decodeReverseProxy, type ReverseProxy } from './config.js';
import { startActiveHealth } from './active_health.js';
import { compileResponseHandlers, HANDLED, ResponseRouteError } from './handle_response.js';
import { clientBodyError, pipeBody } from './body_pipe.js';
import { bufferRequestBody, hasResponseBody, readUpTo, sendBuffered } from './body_buffers.js';
import { compileDynamicUpstreams, dynamicPool } from './dynamic_upstreams.js';
import { checkResponse, compileRetryMatch, RetryableResponse } from './retry_match.js';
import { proxyError } from './errors.js';
import { prepareRequest, compileProxyRewrite, type PreparedRequest } from './request.js';
import { flushesImmediately, responseHeaders, sendResponse } from './response.js';
import { compilePassiveHealth } from './passive_health.js';
import { NoUpstreamError, tryAgain } from './retry.js';
import { compileSelection } from './selection.js';
import { Transport } from './transport.js';
import { UndiciTransport } from './transport_undici.js';
import { fastRequest } from './request_headers.js';
import type { ResponseOptions } from './response_head.js';
import { FastCGITransport } from './fastcgi/transport.js';
import { tunnel } from './upgrade.js';
import { Tunnels } from './tunnels.js';
import { compileUpstreams, type Upstream } from './upstreams.js';
import { registerUpstreamsHealthy } from '../../core/metrics/upstreams.js';

function setUpstreamPlaceholders(ctx: Ctx, u: Upstream): void {
  const { repl } = ctx;
  // Caddy 2.6 reports the dial address with its network: "tcp/localhost:8081".
  repl.set('http.reverse_proxy.upstream.address', u.addr.network === 'unix' ? u.dial : `tcp/${u.hostport}`);
  repl.set('http.reverse_proxy.upstream.hostport', u.hostport);
  repl.set('http.reverse_proxy.upstream.host', u.addr.host);
  repl.set('http.reverse_proxy.upstream.port', u.addr.port);
  repl.set('http.reverse_proxy.upstream.requests', u.inflight);
  repl.set('http.reverse_proxy.upstream.max_requests', u.maxRequests);
  repl.set('http.reverse_proxy.upstream.fails', u.fails);
}

function provision(config: ReverseProxy, env: ProvisionEnv): Handler {
  const health = compilePassiveHealth(config.passive);
  const sources = compileUpstreams(config.upstreams, health);
  const dynamic = config.dynamic === null ? null : compileDynamicUpstreams(config.dynamic, health, env.log ?? silentLog);
  if (config.active !== null) {
    // Probes run once per server: in the primary worker, which writes the verdict every worker reads.
    const probing = { log: env.log ?? silentLog, runsProbes: isPrimaryWorker(), tls: config.transport.tls };
    env.onCleanup(startActiveHealth(config.active, sources, config.upstreams.map((u) => u.dial), probing));
  }
  // caddy_reverse_proxy_upstreams_healthy, read when scraped; a dial address with placeholders has no health of its own.
  env.onCleanup(registerUpstreamsHealthy(() => sources.map((s, i) => ({ upstream: config.upstreams[i]!.dial, healthy: s.fixed?.healthy() ?? true }))));
  // The admin API's /reverse_proxy/upstreams, read when asked: per handler, with health (Caddy #6135).
  env.onCleanup(
    registerUpstreamStatus(function* () {
      for (const s of dynamic === null ? sources : [...sources, dynamic]) for (const u of s.known()) yield { address: u.dial, numRequests: u.inflight, fails: u.fails, healthy: u.healthy() };
    }),
  );
  const select = compileSelection(config.selection);
  const retry = config.retry;
  const tunnels = new Tunnels(config.streams.streamTimeout, config.streams.streamCloseDelay);
  env.onRetire?.(() => tunnels.retire());
  const retryMatch = compileRetryMatch(config.retryMatch, env);
  const retryOnResponse = retryMatch?.response ?? null;
  const transport = new Transport(config.transport);
  env.onCleanup(() => transport.close());
  const headerUp = buildHeaderOps(config.headerUp);
  const headerDown = buildHeaderOps(config.headerDown);
  // php_fastcgi: each try goes over FastCGI instead of the HTTP round trip below.
  const fastcgi = config.fastcgi === null ? null : new FastCGITransport(config.fastcgi, { headerUp, headerDown, health, requestBuffers: config.streams.requestBuffers }, env.log);
  const rewrite = compileProxyRewrite(config.rewrite);
  const flush = config.flushInterval;
  // verbose_logs: Caddy's debug lines around retries and finished responses; nothing per request otherwise.
  const verbose = config.verboseLogs ? (env.log ?? silentLog) : null;
  // Caddy's finalizeResponse, as copy_response runs it inside handle_response routes.
  const copyResponse = (ctx: Ctx, up: IncomingMessage): Promise<void> => {
    const outHeaders = responseHeaders(ctx, up, headerDown);
    return sendResponse(ctx, up, outHeaders, flushesImmediately(flush, outHeaders));
  };
  const responseHandlers = compileResponseHandlers(config.handleResponse, env, copyResponse);
  // The FastCGI transport writes its answer itself: refused rather than silently skipped.
  if (fastcgi !== null && responseHandlers !== null) throw new Error('reverse_proxy: handle_response with the fastcgi transport is not supported by tsweb yet');
  // The fast path (transport_undici.ts) for requests without a body or
  // upgrade, unless something needs the general path's request map or
  // upstream response object (header_up, handle_response, lb_retry_match on
  // responses), or an idle-connection cap undici cannot keep (keepalive_idle_conns).
  // HTTP/2 and h2c upstreams (versions) take every request but upgrades there.
  const { requestBuffers, responseBuffers } = config.streams;
  const undiciOK = fastcgi === null && config.handleResponse.length === 0 && retryOnResponse === null && requestBuffers === 0 && responseBuffers === 0;
  const h2 = undiciOK && config.transport.http2 !== 'off';
  const fastOK = undiciOK && headerUp === null && (h2 || config.transport.maxIdlePerHost === 0);
  const fast = fastOK || h2 ? new UndiciTransport(config.transport) : null;
  if (fast !== null) env.onCleanup(() => fast.close());
  const responseOptions: ResponseOptions = { headerDown, flushInterval: flush, health };
  // The handler's own trusted_proxies (older Caddy configs); otherwise the server's decision.
  const ownTrusted: Prefix[] | null = config.trustedProxies === null ? null : config.trustedProxies.map(cidrToPrefix);

  const trustedPeer = (ctx: Ctx): boolean => {
    if (ownTrusted === null) return ctx.vars.get('trusted_proxy') === true;
    const a = parseAddr(ctx.remoteIP);
    return a !== null && ownTrusted.some((p) => prefixContains(p, a));
  };

  /** One try against one upstream; resolves once the response (or tunnel) is done. */
  const attempt = async (ctx: Ctx, u: Upstream, prep: PreparedRequest, next: Next, body: Buffer | null): Promise<void> => {
    if (fastcgi !== null) return fastcgi.attempt(ctx, u, prep, body);
    const h = prep.headers.clone();
    if (h.get('host') === undefined) h.set('Host', [u.hostport]);
    headerUp?.apply(h, ctx.repl);
    const sent = process.hrtime.bigint();
    const { creq, response } = transport.roundTrip(u, { method: prep.method, path: prep.path, headers: h.toOutgoing(), client: ctx.clientIP }, (c) => {
      // Only now does the body flow: a failed dial has consumed none of it, so it can be retried.
      if (body !== null) c.end(body);
      else if (prep.hasBody) pipeBody(ctx.req, c);
      else c.end();
    });
    // The client went away: stop the upstream exchange too.
    const w = ctx.w;
    const onGone = () => {
      if (!w.writableFinished) creq.destroy(new AbortRequest());
    };
    w.onClose(onGone);
    u.inflight++;
    try {
      const { res: up, upgrade } = await response;
      const latency = process.hrtime.bigint() - sent;
      ctx.repl.set('http.reverse_proxy.latency', goDuration(latency));
      ctx.repl.set('http.reverse_proxy.latency_ms', Number(latency) / 1e6);
      health.judge(u, up.statusCode ?? 0, Number(latency) / 1e6);
      const outHeaders = responseHeaders(ctx, up, headerDown);
      if (retryOnResponse !== null && upgrade === null) checkResponse(retryOnResponse, ctx, up);
      if (responseHandlers !== null && upgrade === null) {
        const status = await responseHandlers(ctx, up, next);
        if (status === HANDLED) return;
        if (status !== 0) {
          // replace_status: the answer is copied as usual, under another status (and its own reason phrase).
          up.statusCode = status;
          up.statusMessage = '';
        }
      }
      if (upgrade !== null) {
        const client = w.hijack();
        if (client === null) {
          upgrade.socket.destroy();
          throw new Error('upstream switched protocols but the client connection cannot be upgraded');
        }
        w.statusCode = 101;
        await tunnel(client.socket, client.head, up, upgrade.socket, upgrade.head, outHeaders, prep.upgrade, tunnels);
        return;
      }
      if (responseBuffers !== 0 && hasResponseBody(ctx.method, up.statusCode ?? 0)) {
        const whole = await readUpTo(up, responseBuffers);
        if (whole !== null) return sendBuffered(ctx, up, outHeaders, whole);
      }
      await sendResponse(ctx, up, outHeaders, flushesImmediately(flush, outHeaders));
    } finally {
      u.inflight--;
      w.offClose(onGone);
    }
  };

  // Upstreams without placeholders are the same list on every request.
  const fixedPool: Upstream[] | null = sources.every((s) => s.fixed !== undefined) ? sources.map((s) => s.fixed!) : null;

  return async (ctx, next) => {
    const start = Date.now();
    const startNs = process.hrtime.bigint();
    const trusted = trustedPeer(ctx);
    const prep = (fastOK ? fastRequest(ctx, rewrite, trusted) : null) ?? prepareRequest(ctx, rewrite, trusted);
    let failed = 0;
    let lastErr: unknown = null;
    try {
      // request_buffers: a body read whole goes with a Content-Length, and can be sent again on a retry.
      const body = requestBuffers !== 0 && prep.hasBody && !('lines' in prep) ? await bufferRequestBody(ctx.req, prep.headers, requestBuffers) : null;
      for (;;) {
        let err: unknown;
        let pool: Upstream[] | null = null;
        if (dynamic !== null) {
          const d = dynamicPool(dynamic, ctx, failed > 0);
          pool = d instanceof Promise ? await d : d;
        }
        try {
          pool ??= fixedPool ?? sources.map((s) => s.resolve(ctx.repl));
        } catch (e) {
          throw proxyError(e);
        }
        const u = select(pool, ctx);
        if (u === null) {
          err = lastErr ?? new NoUpstreamError();
        } else {
          setUpstreamPlaceholders(ctx, u);
          try {
            await ('lines' in prep
              ? fast!.exchange(ctx, u, prep, responseOptions)
              : h2 && prep.upgrade === ''
                ? fast!.exchangePrepared(ctx, u, prep, headerUp, responseOptions)
                : attempt(ctx, u, prep, next, body));
            if (verbose !== null) verbose('debug', 'http.handlers.reverse_proxy', 'response finalized', { request_id: ctx.id, upstream: u.dial });
            return;
          } catch (e) {
            // handle_response's routes (or what follows them) failed: the upstream answered, so no retry, no failure counted.
            if (e instanceof ResponseRouteError) throw e.inner;
            // Part of the response is out: the server cuts the connection (nothing can follow).
            if (ctx.w.headersSent) throw e;
            // The client is gone: no one to answer or retry for.
            if (e instanceof AbortRequest || ctx.req.socket?.destroyed) throw new AbortRequest();
            // The client's body failed (request_body's 413): its answer, not the upstream's fault.
            if (clientBodyError(e) !== null) throw e;
            err = e;
            // The upstream did answer: only its answer asked for another try.
            if (!(e instanceof RetryableResponse)) health.countFailure(u);
          }
        }
        lastErr = err;
        failed++;
        if (!(await tryAgain(retry, start, failed, err, prep.method, prep.hasBody && body === null, () => ctx.req.socket?.destroyed === true, retryMatch, ctx))) break;
        if (verbose !== null) verbose('debug', 'http.handlers.reverse_proxy', 'retrying', { request_id: ctx.id, error: err instanceof Error ? err.message : String(err), after: goDuration(BigInt(Math.round(retry.tryInterval * 1e6))) });
      }
      throw proxyError(lastErr);
    } finally {
      const d = process.hrtime.bigint() - startNs;
      ctx.repl.set('http.reverse_proxy.duration', goDuration(d));
      ctx.repl.set('http.reverse_proxy.duration_ms', Number(d) / 1e6);
    }
  };
}

export const reverseProxyHandler = handlerModule('reverse_proxy', { decode: decodeReverseProxy, provision });
