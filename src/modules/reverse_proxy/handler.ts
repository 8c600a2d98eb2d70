/**
 * reverse_proxy (Caddy's reverseproxy.Handler), the core: upstreams picked
 * by a selection policy, tried again under Caddy's retry rule, one HTTP/1.1
 * keep-alive transport, request and response streamed both ways, and
 * upgraded connections (WebSocket) tunnelled. The pieces live in src/proxy/,
 * one concern per file; this file provisions them and runs the attempt loop.
 *
 * Refused for now (named in the error): handle_response and friends, active
 * health checks, dynamic upstreams, request/response buffering, other transports.
 */
import { registerUpstreamStatus } from '../../core/upstream_status.js';
import { cidrToPrefix } from '../../core/clientip.js';
import { AbortRequest } from '../../core/errors.js';
import { goDuration } from '../../go/fmt.js';
import { parseAddr, prefixContains, type Prefix } from '../../net/ip.js';
import { handlerModule, type ProvisionEnv } from '../../core/registry.js';
import type { Ctx, Handler } from '../../core/types.js';
import { buildHeaderOps } from '../../core/header_ops.js';
import { decodeReverseProxy, type ReverseProxy } from './config.js';
import { proxyError } from './errors.js';
import { prepareRequest, compileProxyRewrite, type PreparedRequest } from './request.js';
import { flushesImmediately, responseHeaders, sendResponse } from './response.js';
import { compilePassiveHealth } from './passive_health.js';
import { NoUpstreamError, tryAgain } from './retry.js';
import { compileSelection } from './selection.js';
import { Transport } from './transport.js';
import { tunnel } from './upgrade.js';
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
  // The routes of handle_response are checked like any (so `validate` names a
  // broken one where Caddy does) before the feature itself is refused.
  config.handleResponse.forEach((hr, i) => {
    if (hr.routes !== undefined) env.compileRoutes(hr.routes, `handle_response ${i}`);
  });
  if (config.handleResponse.length > 0) throw new Error('reverse_proxy: handle_response is not supported by tsweb yet');
  const health = compilePassiveHealth(config.passive);
  const sources = compileUpstreams(config.upstreams, health);
  // caddy_reverse_proxy_upstreams_healthy, read when scraped; a dial address with placeholders has no health of its own.
  env.onCleanup(registerUpstreamsHealthy(() => sources.map((s, i) => ({ upstream: config.upstreams[i]!.dial, healthy: s.fixed?.healthy() ?? true }))));
  // The admin API's /reverse_proxy/upstreams, read when asked: per handler, with health (Caddy #6135).
  env.onCleanup(
    registerUpstreamStatus(function* () {
      for (const s of sources) for (const u of s.known()) yield { address: u.dial, numRequests: u.inflight, fails: u.fails, healthy: u.healthy() };
    }),
  );
  const select = compileSelection(config.selection);
  const retry = config.retry;
  const transport = new Transport(config.transport);
  env.onCleanup(() => transport.close());
  const headerUp = buildHeaderOps(config.headerUp);
  const headerDown = buildHeaderOps(config.headerDown);
  const rewrite = compileProxyRewrite(config.rewrite);
  const flush = config.flushInterval;
  // The handler's own trusted_proxies (older Caddy configs); otherwise the server's decision.
  const ownTrusted: Prefix[] | null = config.trustedProxies === null ? null : config.trustedProxies.map(cidrToPrefix);

  const trustedPeer = (ctx: Ctx): boolean => {
    if (ownTrusted === null) return ctx.vars.get('trusted_proxy') === true;
    const a = parseAddr(ctx.remoteIP);
    return a !== null && ownTrusted.some((p) => prefixContains(p, a));
  };

  /** One try against one upstream; resolves once the response (or tunnel) is done. */
  const attempt = async (ctx: Ctx, u: Upstream, prep: PreparedRequest): Promise<void> => {
    const h = prep.headers.clone();
    if (h.get('host') === undefined) h.set('Host', [u.hostport]);
    headerUp?.apply(h, ctx.repl);
    const sent = process.hrtime.bigint();
    const { creq, response } = transport.roundTrip(u, { method: prep.method, path: prep.path, headers: h.toOutgoing() }, (c) => {
      // Only now does the body flow: a failed dial has consumed none of it, so it can be retried.
      if (prep.hasBody) ctx.req.pipe(c);
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
      if (upgrade !== null) {
        const client = w.hijack();
        if (client === null) {
          upgrade.socket.destroy();
          throw new Error('upstream switched protocols but the client connection cannot be upgraded');
        }
        w.statusCode = 101;
        await tunnel(client.socket, client.head, up, upgrade.socket, upgrade.head, outHeaders, prep.upgrade);
        return;
      }
      await sendResponse(ctx, up, outHeaders, flushesImmediately(flush, outHeaders));
    } finally {
      u.inflight--;
      w.offClose(onGone);
    }
  };

  return async (ctx) => {
    const start = Date.now();
    const startNs = process.hrtime.bigint();
    const prep = prepareRequest(ctx, rewrite, trustedPeer(ctx));
    let failed = 0;
    let lastErr: unknown = null;
    try {
      for (;;) {
        let err: unknown;
        let pool: Upstream[];
        try {
          pool = sources.map((s) => s.resolve(ctx.repl));
        } catch (e) {
          throw proxyError(e);
        }
        const u = select(pool, ctx);
        if (u === null) {
          err = lastErr ?? new NoUpstreamError();
        } else {
          setUpstreamPlaceholders(ctx, u);
          try {
            await attempt(ctx, u, prep);
            return;
          } catch (e) {
            // Part of the response is out: the server cuts the connection (nothing can follow).
            if (ctx.w.headersSent) throw e;
            // The client is gone: no one to answer or retry for.
            if (e instanceof AbortRequest || ctx.req.socket?.destroyed) throw new AbortRequest();
            err = e;
            health.countFailure(u);
          }
        }
        lastErr = err;
        failed++;
        if (!(await tryAgain(retry, start, failed, err, prep.method, prep.hasBody, () => ctx.req.socket?.destroyed === true))) break;
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
