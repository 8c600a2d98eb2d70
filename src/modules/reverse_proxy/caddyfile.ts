/**
 * The reverse_proxy handler's Caddyfile syntax (Caddy's
 * reverseproxy/caddyfile.go UnmarshalCaddyfile + FinalizeUnmarshalCaddyfile),
 * shared by reverse_proxy, forward_auth and php_fastcgi:
 *
 *     reverse_proxy [<matcher>] [<upstreams...>] {
 *         to <upstreams...>
 *         dynamic <module> ...
 *         lb_policy <name> [<options...>]
 *         lb_retries <retries>
 *         lb_try_duration <duration>
 *         lb_try_interval <interval>
 *         lb_retry_match <request-matcher>
 *         health_uri|health_path|health_upstream|health_port|health_interval|health_passes|health_fails
 *         health_timeout|health_status|health_body|health_method|health_request_body ...
 *         health_follow_redirects
 *         health_headers { <field> [<values...>] }
 *         fail_duration|max_fails|unhealthy_status|unhealthy_latency|unhealthy_request_count ...
 *         flush_interval|request_buffers|response_buffers|stream_buffer_size|stream_timeout|stream_close_delay ...
 *         verbose_logs
 *         trusted_proxies [private_ranges] <ranges...>
 *         header_up|header_down [+|-]<field> [<value|regexp> [<replacement>]]
 *         method <method>
 *         rewrite <to>
 *         transport <name> { ... }
 *         @name { status <code...>; header <field> [<value>] }
 *         replace_status [<matcher>] <status_code>
 *         handle_response [<matcher>] { <directives...> }
 *     }
 */
import { CaddyfileError } from '../../caddyfile/errors.js';
import type { Dispenser } from '../../caddyfile/dispenser.js';
import { caddyfileHeaderOp, type HeaderOps, type RespHeaderOps } from '../headers/caddyfile_ops.js';
import type { Helper } from '../../adapt/helper.js';
import { moduleObject, setOmitEmpty } from '../../go/json.js';
import type { JSONObject } from '../../adapt/types.js';
import { atoi, parseBytes, parseCaddyDuration } from '../../go/units.js';
import { splitHostPort } from '../../net/netaddr.js';
import { parseUpstreamSource } from './caddyfile_dynamic.js';
import { ResponseHandling } from './caddyfile_response_handlers.js';
import { parseSelectionPolicy } from './caddyfile_selection.js';
import { arg, parseTransport, TRANSPORT_GO_TYPES } from './caddyfile_transports.js';
import { parseUpstreamDialAddress, upstreamDials, UpstreamError } from './caddyfile_upstreams.js';
import type {
  ActiveHealthChecksConfig,
  HealthChecksConfig,
  LoadBalancingConfig,
  PassiveHealthChecksConfig,
  ProxyRewriteConfig,
  ResponseHandlerConfig,
  ReverseProxyConfig,
  TransportJSON,
  UpstreamConfig,
} from './config.js';

/** Caddy's internal.PrivateRangesCIDR(), for `trusted_proxies private_ranges`. */
export const PRIVATE_RANGES = ['192.168.0.0/16', '172.16.0.0/12', '10.0.0.0/8', '127.0.0.1/8', 'fd00::/8', '::1'];

/** What a shortcut directive (forward_auth, php_fastcgi) configures before the user's tokens are read. */
export interface ReverseProxyPreset {
  /** An already-encoded transport (php_fastcgi's fastcgi transport). */
  transport?: TransportJSON;
  /** Request header operations that header_up adds to. */
  requestHeaders?: HeaderOps;
  rewrite?: ProxyRewriteConfig;
  handleResponse?: ResponseHandlerConfig[];
}

function goErr(e: unknown): string {
  return (e as Error).message;
}

/** `2xx` → 2, `503` → 503 (health_status, unhealthy_status). */
function statusClass(s: string): number {
  return atoi(s.length === 3 && s.endsWith('xx') ? s.slice(0, 1) : s);
}

/**
 * Parses a reverse_proxy segment. `d` must be positioned before the
 * directive name with any matcher token already removed; `h` provides the
 * adapter (subroutes, request matchers, warnings). Returns the handler JSON
 * as Caddy encodes it (keys sorted, zero values omitted).
 */
export function parseReverseProxy(h: Helper, d: Dispenser, preset: ReverseProxyPreset = {}): ReverseProxyConfig {
  const rp: Omit<ReverseProxyConfig, 'handler'> = {};
  const upstreams: UpstreamConfig[] = [];
  // The scheme of the last upstream (Caddy's commonScheme); '' means none given.
  let commonScheme = '';
  let transport: { name: string; config: JSONObject } | undefined;
  const responses = new ResponseHandling(preset.handleResponse ? [...preset.handleResponse] : []);
  let requestHeaders: HeaderOps | undefined = preset.requestHeaders;
  let responseHeaders: RespHeaderOps | undefined;
  const rewrite = preset.rewrite;
  if (rewrite) rp.rewrite = rewrite;

  const lb = (): LoadBalancingConfig => (rp.load_balancing ??= {});
  const health = (): HealthChecksConfig => (rp.health_checks ??= {});
  const active = (): ActiveHealthChecksConfig => (health().active ??= {});
  const passive = (): PassiveHealthChecksConfig => (health().passive ??= {});
  const rw = (): ProxyRewriteConfig => (rp.rewrite ??= {});

  const appendUpstream = (addr: string): void => {
    try {
      const pa = parseUpstreamDialAddress(addr);
      if (pa.scheme === 'wss') throw new UpstreamError('the scheme wss:// is only supported in browsers; use https:// instead');
      if (pa.scheme === 'ws') throw new UpstreamError('the scheme ws:// is only supported in browsers; use http:// instead');
      if (!['https', 'http', 'h2c', ''].includes(pa.scheme)) throw new UpstreamError(`unsupported URL scheme ${pa.scheme}://`);
      // One transport serves every upstream, so they must agree on the protocol.
      if (commonScheme !== '' && pa.scheme !== commonScheme) {
        throw new UpstreamError(
          `for now, all proxy upstreams must use the same scheme (transport protocol); expecting '${commonScheme}://' but got '${pa.scheme}://'`,
        );
      }
      commonScheme = pa.scheme;
      for (const dial of upstreamDials(pa)) upstreams.push({ dial });
    } catch (e) {
      if (e instanceof UpstreamError) throw d.err(`parsing upstream '${addr}': ${e.message}`);
      throw e;
    }
  };

  const duration = (what: string, quoted = true): number => {
    try {
      return parseCaddyDuration(d.val());
    } catch (e) {
      throw d.err(quoted ? `${what} '${d.val()}': ${goErr(e)}` : `${what} ${d.val()}: ${goErr(e)}`);
    }
  };
  /** flush_interval and the stream timeouts take a bare integer as nanoseconds. */
  const intOrDuration = (): number => {
    if (/^[+-]?\d+$/.test(d.val())) {
      try {
        return atoi(d.val());
      } catch {
        // out of range: fall through to the duration parser's error
      }
    }
    return duration('bad duration value');
  };
  const integer = (what: string, val = d.val()): number => {
    try {
      return atoi(val);
    } catch (e) {
      throw d.err(`${what} '${d.val()}': ${goErr(e)}`);
    }
  };

  d.next(); // directive name
  for (const up of d.remainingArgs()) appendUpstream(up);

  while (d.nextBlock(0)) {
    if (responses.parseSubdirective(d)) continue;
    const sub = d.val();
    switch (sub) {
      case 'to': {
        const args = d.remainingArgs();
        if (args.length === 0) throw d.argErr();
        for (const up of args) appendUpstream(up);
        break;
      }
      case 'dynamic':
        arg(d);
        if (rp.dynamic_upstreams !== undefined) throw d.err('dynamic upstreams already specified');
        rp.dynamic_upstreams = parseUpstreamSource(d);
        break;

      case 'lb_policy':
        arg(d);
        if (rp.load_balancing?.selection_policy !== undefined) {
          throw d.err('load balancing selection policy already specified');
        }
        lb().selection_policy = parseSelectionPolicy(d);
        break;
      case 'lb_retries': {
        arg(d);
        const tries = integer('bad lb_retries number');
        setOmitEmpty(lb(), 'retries', tries);
        break;
      }
      case 'lb_try_duration': {
        arg(d);
        setOmitEmpty(lb(), 'try_duration', duration('bad duration value', false));
        break;
      }
      case 'lb_try_interval':
        arg(d);
        setOmitEmpty(lb(), 'try_interval', duration('bad interval value'));
        break;
      case 'lb_retry_match': {
        const set = parseRetryMatch(h, d);
        (lb().retry_match ??= []).push(set);
        break;
      }

      case 'health_uri':
        setOmitEmpty(active(), 'uri', arg(d));
        break;
      case 'health_path':
        setOmitEmpty(active(), 'path', arg(d));
        h.warn("the 'health_path' subdirective is deprecated, please use 'health_uri' instead!");
        break;
      case 'health_upstream': {
        const val = arg(d);
        let port: string;
        try {
          [, port] = splitHostPort(val);
        } catch (e) {
          throw d.err(`health_upstream is malformed '${val}': ${goErr(e)}`);
        }
        integer('bad port number', port);
        setOmitEmpty(active(), 'upstream', val);
        break;
      }
      case 'health_port': {
        arg(d);
        if (active().upstream) throw d.err("the 'health_port' subdirective is ignored if 'health_upstream' is used!");
        setOmitEmpty(active(), 'port', integer('bad port number'));
        break;
      }
      case 'health_headers': {
        const headers: Record<string, string[]> = {};
        for (const n = d.getNesting(); d.nextBlock(n); ) {
          const key = d.val();
          const values = d.remainingArgs();
          (headers[key] ??= []).push(...(values.length > 0 ? values : ['']));
        }
        // An empty map is omitted, but the active block still exists.
        setOmitEmpty(active(), 'headers', Object.keys(headers).length > 0 ? headers : undefined);
        break;
      }
      case 'health_method':
        setOmitEmpty(active(), 'method', arg(d));
        break;
      case 'health_request_body':
        setOmitEmpty(active(), 'body', arg(d));
        break;
      case 'health_interval':
        arg(d);
        setOmitEmpty(active(), 'interval', duration('bad interval value', false));
        break;
      case 'health_timeout':
        arg(d);
        setOmitEmpty(active(), 'timeout', duration('bad timeout value', false));
        break;
      case 'health_status': {
        arg(d);
        let status: number;
        try {
          status = statusClass(d.val());
        } catch (e) {
          throw d.err(`bad status value '${d.val()}': ${goErr(e)}`);
        }
        setOmitEmpty(active(), 'expect_status', status);
        break;
      }
      case 'health_body':
        setOmitEmpty(active(), 'expect_body', arg(d));
        break;
      case 'health_follow_redirects':
        if (d.nextArg()) throw d.argErr();
        active().follow_redirects = true;
        break;
      case 'health_passes':
        arg(d);
        setOmitEmpty(active(), 'passes', integer('invalid passes count'));
        break;
      case 'health_fails':
        arg(d);
        setOmitEmpty(active(), 'fails', integer('invalid fails count'));
        break;

      case 'max_fails':
        arg(d);
        setOmitEmpty(passive(), 'max_fails', integer('invalid maximum fail count'));
        break;
      case 'fail_duration':
        arg(d);
        setOmitEmpty(passive(), 'fail_duration', duration('bad duration value'));
        break;
      case 'unhealthy_request_count':
        arg(d);
        setOmitEmpty(passive(), 'unhealthy_request_count', integer('invalid maximum connection count'));
        break;
      case 'unhealthy_status': {
        const args = d.remainingArgs();
        if (args.length === 0) throw d.argErr();
        const list = (passive().unhealthy_status ??= []);
        for (const a of args) {
          try {
            list.push(statusClass(a));
          } catch (e) {
            // Caddy names the line's last token here, whichever argument was bad.
            throw d.err(`bad status value '${d.val()}': ${goErr(e)}`);
          }
        }
        break;
      }
      case 'unhealthy_latency':
        arg(d);
        setOmitEmpty(passive(), 'unhealthy_latency', duration('bad duration value'));
        break;

      case 'flush_interval':
        arg(d);
        setOmitEmpty(rp, 'flush_interval', intOrDuration());
        break;
      case 'request_buffers':
      case 'response_buffers':
      case 'stream_buffer_size': {
        const val = arg(d);
        let size: number;
        if (val === 'unlimited' && sub !== 'stream_buffer_size') size = -1;
        else {
          try {
            size = parseBytes(val);
          } catch (e) {
            throw d.err(`invalid byte size '${val}': ${goErr(e)}`);
          }
        }
        if (d.nextArg()) throw d.argErr();
        setOmitEmpty(rp, sub, size);
        break;
      }
      case 'stream_timeout':
      case 'stream_close_delay':
        arg(d);
        setOmitEmpty(rp, sub, intOrDuration());
        break;
      case 'verbose_logs':
        if (rp.verbose_logs) throw d.err('verbose_logs already specified');
        rp.verbose_logs = true;
        break;

      case 'trusted_proxies':
        while (d.nextArg()) {
          const list = (rp.trusted_proxies ??= []);
          if (d.val() === 'private_ranges') list.push(...PRIVATE_RANGES);
          else list.push(d.val());
        }
        break;
      case 'header_up': {
        const args = d.remainingArgs();
        if (args.length < 1 || args.length > 3) throw d.argErr();
        requestHeaders ??= {};
        if (args.length === 2) warnUnnecessaryHeaderUp(h, args[0]!, args[1]!);
        const err = caddyfileHeaderOp(requestHeaders, args[0]!, args[1] ?? '', args[2]);
        if (err) throw d.err(err);
        break;
      }
      case 'header_down': {
        const args = d.remainingArgs();
        if (args.length < 1 || args.length > 3) throw d.argErr();
        responseHeaders ??= {};
        const err = caddyfileHeaderOp(responseHeaders, args[0]!, args[1] ?? '', args[2]);
        if (err) throw d.err(err);
        break;
      }
      case 'method':
      case 'rewrite': {
        const v = arg(d);
        setOmitEmpty(rw(), sub === 'method' ? 'method' : 'uri', v);
        if (d.nextArg()) throw d.argErr();
        break;
      }
      case 'transport':
        arg(d);
        // Only a preset transport (php_fastcgi) counts here; Caddy lets a
        // second `transport` line replace the first one.
        if (preset.transport) throw d.err('transport already specified');
        transport = parseTransport(h, d);
        break;
      default:
        throw d.err(`unrecognized subdirective ${sub}`);
    }
  }

  if (upstreams.length > 0) rp.upstreams = upstreams;
  if (requestHeaders || responseHeaders) {
    rp.headers = {};
    if (requestHeaders) rp.headers.request = requestHeaders;
    if (responseHeaders) rp.headers.response = responseHeaders;
  }

  // An https:// or h2c:// upstream needs the http transport even if none was configured.
  if ((commonScheme === 'https' || commonScheme === 'h2c') && !transport) transport = { name: 'http', config: {} };
  let transportRaw = preset.transport;
  if (transport) {
    const { name, config } = transport;
    if (name === 'http') {
      if (commonScheme === 'https' && config.tls === undefined) config.tls = {};
      if (commonScheme === 'http' && config.tls !== undefined) {
        throw d.err('upstream address scheme is HTTP but transport is configured for HTTP+TLS (HTTPS)');
      }
      if (commonScheme === 'h2c') config.versions = ['h2c', '2'];
    } else if (commonScheme === 'https') {
      throw d.err(
        `upstreams are configured for HTTPS but transport module does not support TLS: ${TRANSPORT_GO_TYPES[name] ?? `*${name}.Transport`}`,
      );
    }
    // An http transport with nothing set is the default; Caddy leaves it out.
    if (!(name === 'http' && Object.keys(config).length === 0)) transportRaw = moduleObject(config, 'protocol', name) as TransportJSON;
  }
  if (transportRaw) rp.transport = transportRaw;

  const handleResponse = responses.finalize(h);
  if (handleResponse) rp.handle_response = handleResponse;

  return moduleObject(rp, 'handler', 'reverse_proxy') as ReverseProxyConfig;
}

/** `lb_retry_match <matcher>` or `lb_retry_match { <matchers...> }`: a request matcher set. */
function parseRetryMatch(h: Helper, d: Dispenser): JSONObject {
  const parse = h.shared.parseMatcherSet;
  if (!parse) throw new Error('request matcher parsing is not installed');
  try {
    const sub = h.withDispenser(d.newFromNextSegment());
    sub.next(); // the parser starts on the token before the matchers
    return parse(sub);
  } catch (e) {
    if (e instanceof CaddyfileError) throw d.err(`failed to parse lb_retry_match: ${e.message}`);
    throw e;
  }
}

/** Caddy's lint for header_up lines that repeat what the proxy already does. */
function warnUnnecessaryHeaderUp(h: Helper, field: string, value: string): void {
  const f = field.toLowerCase();
  const is = (...vals: string[]) => vals.includes(value);
  let which: string | undefined;
  if (f === 'host' && is('{hostport}', '{http.request.hostport}')) which = 'Host';
  else if (f === 'x-forwarded-for' && is('{remote}', '{http.request.remote}', '{remote_host}', '{http.request.remote.host}')) {
    which = 'X-Forwarded-For';
  } else if (f === 'x-forwarded-proto' && is('{scheme}', '{http.request.scheme}')) which = 'X-Forwarded-Proto';
  else if (f === 'x-forwarded-host' && is('{host}', '{http.request.host}', '{hostport}', '{http.request.hostport}')) {
    which = 'X-Forwarded-Host';
  }
  if (which) h.warn(`Unnecessary header_up ${which}: the reverse proxy's default behavior is to pass headers to the upstream`);
}
