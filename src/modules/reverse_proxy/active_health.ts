/**
 * Active health checks (Caddy's activeHealthChecker): every `interval`, one
 * probe per upstream of the handler, all at once, the first round as soon
 * as the handler is provisioned. Counting is Caddy's: a failed probe adds a
 * fail, a passing one a pass, and the upstream flips only when the count
 * for the other side reaches `fails` (down) or `passes` (up); both counts
 * restart at each flip. A probe that times out is one failure, no more, so
 * with `fails` above 1 one slow answer does not take the last upstream out.
 *
 * The verdict is Upstream.activeHealthy: per handler and upstream (Caddy
 * #7870), read by the selection policies, the admin API's
 * /reverse_proxy/upstreams and caddy_reverse_proxy_upstreams_healthy. Like
 * Caddy, a new config starts with every upstream healthy (its Upstreams are
 * new) and probes at once. With several workers only one process probes
 * (`runsProbes`); the state it writes is the one every worker reads.
 */
import { randomUUID } from 'node:crypto';
import type { EngineLog } from '../../core/log.js';
import { compileTemplate, newReplacer, type Replacer, type Template } from '../../core/replacer.js';
import { compileRegexp, type CompiledRegexp } from '../../go/regexp.js';
import { parseDialAddress } from '../../net/netaddr.js';
import { hostPort, probe, type ProbeFailure, type ProbeRequest, type RunningProbe } from './active_health_probe.js';
import type { ActiveHealthSettings } from './config.js';
import type { UpstreamTLS } from './config_transport_tls.js';
import type { Upstream, UpstreamSource } from './upstreams.js';

const LOGGER = 'http.handlers.reverse_proxy.health_checker.active';

export interface ActiveHealthEnv {
  log: EngineLog;
  /** Whether this process sends the probes (the primary worker, or the only one). */
  runsProbes: boolean;
  /** The transport's TLS: probes then go over HTTPS, as Caddy's go through the handler's transport. */
  tls: UpstreamTLS | null;
}

interface Counts {
  passes: number;
  fails: number;
}

/** The probe's parts compiled at load: a bad expect_body fails the config, as in Caddy. */
interface Compiled {
  path: string;
  expectBody: CompiledRegexp | null;
  headers: Array<{ name: Template; isHost: boolean; values: Template[]; host: Template }>;
  body: Template;
  /** health_upstream, parsed: where every probe goes instead of the upstream. */
  upstream: { host: string; port: number } | null;
}

function compile(cfg: ActiveHealthSettings): Compiled {
  let expectBody: CompiledRegexp | null = null;
  if (cfg.expectBody !== '') {
    try {
      expectBody = compileRegexp(cfg.expectBody);
    } catch (err) {
      // compileRegexp words it for matchers; Caddy says this here.
      const detail = (err as Error).message.replace(/^compiling matcher regexp .*?: (error parsing regexp)/, '$1');
      throw new Error(`expect_body: compiling regular expression: ${detail}`);
    }
  }
  let upstream: Compiled['upstream'] = null;
  if (cfg.upstream !== '') {
    const a = parseDialAddress(cfg.upstream);
    upstream = { host: a.host === '' ? 'localhost' : a.host, port: Number(a.port) };
  }
  const headers = cfg.headers.map(([name, values]) => ({
    name: compileTemplate(name, 'empty'),
    isHost: name === 'Host',
    values: values.map((v) => compileTemplate(v, 'keep')),
    host: compileTemplate(values[0] ?? '', 'empty'),
  }));
  return { path: cfg.uri, expectBody, headers, body: compileTemplate(cfg.body, 'empty'), upstream };
}

/**
 * Compiles the checks (throwing on a bad config) and, when this process
 * runs the probes, starts them. Returns the stop, for ProvisionEnv.onCleanup:
 * timers cleared and probes in flight abandoned, so a reload leaks nothing.
 */
export function startActiveHealth(cfg: ActiveHealthSettings, sources: readonly UpstreamSource[], dials: readonly string[], env: ActiveHealthEnv): () => void {
  const c = compile(cfg);
  const dialTemplates = dials.map((d) => (d.includes('{') ? compileTemplate(d, 'error', { errorOnEmpty: true }) : null));
  if (!env.runsProbes) return () => {};
  const { log } = env;
  if (cfg.deprecatedPath) log('warn', LOGGER, "the 'path' option is deprecated, please use 'uri' instead!");

  const counts = new Map<Upstream, Counts>();
  const running = new Set<RunningProbe>();
  let stopped = false;

  const emit = (name: 'healthy' | 'unhealthy', host: string) =>
    log('debug', 'events', 'event', { name, id: randomUUID(), origin: 'http.handlers.reverse_proxy', data: { host } });

  const judge = (u: Upstream, hostAddr: string, failure: ProbeFailure | null) => {
    let n = counts.get(u);
    if (n === undefined) counts.set(u, (n = { passes: 0, fails: 0 }));
    if (failure !== null) {
      n.fails++;
      if (n.fails >= cfg.fails && u.activeHealthy) {
        u.activeHealthy = false;
        emit('unhealthy', hostAddr);
        n.passes = n.fails = 0;
      }
      return;
    }
    n.passes++;
    if (n.passes >= cfg.passes && !u.activeHealthy) {
      u.activeHealthy = true;
      log('info', LOGGER, 'host is up', { host: hostAddr });
      emit('healthy', hostAddr);
      n.passes = n.fails = 0;
    }
  };

  const checkOne = async (i: number) => {
    const source = sources[i]!;
    const raw = dials[i]!;
    let u: Upstream;
    let dial: string;
    const tpl = dialTemplates[i];
    if (tpl === null || tpl === undefined) {
      u = source.fixed!;
      dial = u.dial;
    } else {
      // Only global placeholders ({env.*}, {system.*}) mean something outside a request.
      const repl = newReplacer();
      try {
        dial = tpl(repl);
      } catch (err) {
        log('error', LOGGER, 'invalid use of placeholders in dial address for active health checks', { address: raw, error: (err as Error).message });
        return;
      }
      u = source.resolve(repl);
    }
    const req = probeFor(u, dial);
    if (req === null) return;
    const p = probe(req.request);
    running.add(p);
    const failure = await p.result;
    running.delete(p);
    if (stopped) return;
    if (failure !== null) log('info', LOGGER, failure.msg, logFields(failure, req.hostAddr));
    judge(u, req.hostAddr, failure);
  };

  const probeFor = (u: Upstream, dial: string): { request: ProbeRequest; hostAddr: string } | null => {
    const addr = u.addr;
    let target: ProbeRequest['target'];
    let hostAddr: string;
    let authority: string;
    if (addr.network === 'unix' && cfg.port === 0) {
      target = { socketPath: addr.path };
      // A socket path cannot be a URL's host; Caddy writes "localhost".
      hostAddr = 'localhost';
    } else {
      const host = addr.network === 'unix' || addr.host === '' ? 'localhost' : addr.host;
      const port = cfg.port !== 0 ? cfg.port : Number(addr.port);
      target = { host, port };
      hostAddr = addr.network === 'unix' ? 'localhost' : hostPort(addr.host, port);
    }
    authority = hostAddr;
    if (c.upstream !== null) {
      target = c.upstream;
      authority = cfg.upstream;
    }
    const repl: Replacer = newReplacer();
    repl.set('http.reverse_proxy.active.target_upstream', dial);
    const headers: Record<string, string[]> = { 'user-agent': ['Go-http-client/1.1'] };
    for (const h of c.headers) {
      const name = h.name(repl);
      if (h.isHost) {
        authority = h.host(repl);
        continue;
      }
      const lower = name.toLowerCase();
      if (lower === 'user-agent') headers[lower] = [];
      (headers[lower] ??= []).push(...h.values.map((v) => v(repl)));
    }
    return {
      hostAddr,
      request: {
        target,
        scheme: env.tls === null ? 'http' : 'https',
        tls: env.tls,
        method: cfg.method,
        authority,
        path: c.path,
        headers,
        body: c.body(repl),
        timeout: cfg.timeout,
        followRedirects: cfg.followRedirects,
        maxSize: cfg.maxSize,
        expectStatus: cfg.expectStatus,
        expectBody: c.expectBody,
      },
    };
  };

  const round = () => {
    for (let i = 0; i < sources.length; i++) {
      checkOne(i).catch((err: unknown) => log('error', LOGGER, 'active health check failed', { error: err instanceof Error ? err.message : String(err) }));
    }
  };
  // The first round right after provisioning (not inside it: `validate` cleans up at once and sends nothing).
  const first = setTimeout(round, 0);
  // Probes overlap when one outlasts the interval, as Caddy's goroutines do: each counts once.
  const ticker = setInterval(round, cfg.interval);
  first.unref();
  ticker.unref();
  return () => {
    stopped = true;
    clearTimeout(first);
    clearInterval(ticker);
    for (const p of running) p.cancel();
    running.clear();
  };
}

/** Caddy's fields, in Caddy's order: status_code, host, error. */
function logFields(f: ProbeFailure, host: string): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  if (f.status !== undefined) out.status_code = f.status;
  out.host = host;
  if (f.error !== undefined) out.error = f.error;
  return out;
}
