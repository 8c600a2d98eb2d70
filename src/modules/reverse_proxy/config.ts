/**
 * The `reverse_proxy` handler's JSON (Caddy's reverseproxy.Handler), as the
 * adapter writes it (reverse_proxy, forward_auth and php_fastcgi all do) and
 * the handler reads it, and its decoder. Caddy fields tsweb does not run yet
 * are refused by name ("... is not supported by tsweb yet"); fields Caddy
 * does not have are refused as Caddy refuses them (`json: unknown field`).
 */
import { DecodeError, jsonKind, ObjectReader } from '../../core/decode.js';
import {
  canonicalKey,
  decodeHeaderOps,
  decodeRespHeaderOps,
  decodeResponseMatcher,
  type HeaderOpsConfig,
  type RespHeaderOpsConfig,
  type ResponseMatcherConfig,
} from '../../core/header_ops.js';
import type { JSONObject } from '../../core/registry.js';
import { decodeRewrite as decodeRewriteModule, type Rewrite } from '../rewrite/config.js';
import { decodeSelectionPolicy, type SelectionPolicy, type SelectionPolicyConfig } from './config_selection.js';
import { decodeFastCGI, type FastCGISettings } from './fastcgi/config.js';
import { decodeDynamicSource, type DynamicSource } from './dynamic_config.js';
import { decodeStreams, type StreamSettings } from './config_streams.js';
import { decodeTransport, transportProtocol, type DurationJSON, type TransportJSON, type TransportSettings } from './config_transport.js';

export type { DurationJSON, FastCGIOptions, FastCGITransportConfig, HTTPTransportConfig, TransportJSON } from './config_transport.js';
export type { SelectionPolicyConfig } from './config_selection.js';

/** Caddy's reverseproxy.Upstream. */
export type UpstreamConfig = { dial: string; max_requests?: number };

/** A matcher set of `http.matchers.*` modules (lb_retry_match). */
export type MatcherSetJSON = Record<string, unknown>;

/** Caddy's reverseproxy.LoadBalancing. */
export type LoadBalancingConfig = {
  selection_policy?: SelectionPolicyConfig;
  retries?: number;
  try_duration?: DurationJSON;
  try_interval?: DurationJSON;
  retry_match?: MatcherSetJSON[];
};

/** Caddy's reverseproxy.ActiveHealthChecks. */
export type ActiveHealthChecksConfig = {
  path?: string;
  uri?: string;
  upstream?: string;
  port?: number;
  headers?: Record<string, string[]>;
  method?: string;
  body?: string;
  follow_redirects?: boolean;
  interval?: DurationJSON;
  timeout?: DurationJSON;
  passes?: number;
  fails?: number;
  max_size?: number;
  expect_status?: number;
  expect_body?: string;
};

/** Caddy's reverseproxy.PassiveHealthChecks. */
export type PassiveHealthChecksConfig = {
  fail_duration?: DurationJSON;
  max_fails?: number;
  unhealthy_request_count?: number;
  unhealthy_status?: number[];
  unhealthy_latency?: DurationJSON;
};

export type HealthChecksConfig = { active?: ActiveHealthChecksConfig; passive?: PassiveHealthChecksConfig };

/** Caddy's rewrite.Rewrite; reverse_proxy runs `method` and `uri`. */
export type ProxyRewriteConfig = {
  method?: string;
  uri?: string;
  strip_path_prefix?: string;
  strip_path_suffix?: string;
  uri_substring?: Array<{ find?: string; replace?: string; limit?: number }>;
  path_regexp?: Array<{ find?: string; replace?: string }>;
  query?: Record<string, unknown>;
};

/** Caddy's caddyhttp.ResponseHandler (handle_response, replace_status). */
export type ResponseHandlerConfig = {
  match?: ResponseMatcherConfig;
  /** A WeakString: a number or a string (placeholders allowed). */
  status_code?: number | string;
  routes?: JSONObject[];
};

/** Dynamic upstream sources (`{"source": "a"|"srv"|"multi", ...}`), decoded by dynamic_config.ts. */
export type DynamicUpstreamsConfig = { source: string; [k: string]: unknown };

export type ReverseProxyConfig = {
  handler: 'reverse_proxy';
  transport?: TransportJSON;
  circuit_breaker?: { type: string; [k: string]: unknown };
  load_balancing?: LoadBalancingConfig;
  health_checks?: HealthChecksConfig;
  upstreams?: UpstreamConfig[];
  dynamic_upstreams?: DynamicUpstreamsConfig;
  flush_interval?: DurationJSON;
  trusted_proxies?: string[];
  headers?: { request?: HeaderOpsConfig; response?: RespHeaderOpsConfig };
  request_buffers?: number;
  response_buffers?: number;
  stream_timeout?: DurationJSON;
  stream_buffer_size?: number;
  stream_close_delay?: DurationJSON;
  rewrite?: ProxyRewriteConfig;
  handle_response?: ResponseHandlerConfig[];
  verbose_logs?: boolean;
};

export interface RetryPolicy {
  retries: number;
  /** Milliseconds; 0: no time bound. */
  tryDuration: number;
  tryInterval: number;
}

/** Passive health checks, durations in milliseconds. */
export interface PassiveHealthSettings {
  failDuration: number;
  maxFails: number;
  unhealthyStatus: number[];
  unhealthyLatency: number;
  unhealthyRequestCount: number;
}

/** Active health checks (Caddy's ActiveHealthChecks after Provision), durations in milliseconds. */
export interface ActiveHealthSettings {
  /** Path and query of the probe (`uri`, or the deprecated `path`). */
  uri: string;
  /** host:port probed instead of the upstream (its port is then ignored). */
  upstream: string;
  /** Port probed instead of the upstream's; 0: the upstream's. */
  port: number;
  /** Canonical names; placeholders (global ones and {http.reverse_proxy.active.target_upstream}) allowed. */
  headers: Array<[name: string, values: string[]]>;
  method: string;
  body: string;
  followRedirects: boolean;
  interval: number;
  timeout: number;
  passes: number;
  fails: number;
  /** Bytes of the body read at most; 0: no limit. */
  maxSize: number;
  /** 0: any 2xx; < 100: a class (2 → 2xx). */
  expectStatus: number;
  /** An RE2 pattern the body must match; '' for none. */
  expectBody: string;
  /** The deprecated `path` was used (Caddy warns at provision). */
  deprecatedPath: boolean;
}

/** The handler's config as provisioning uses it. */
export interface ReverseProxy {
  /** `dynamic_upstreams`; the static `upstreams` are the fallback when it has none. */
  dynamic: DynamicSource | null;
  streams: StreamSettings;
  upstreams: Array<{ dial: string; maxRequests: number }>;
  selection: SelectionPolicy;
  retry: RetryPolicy;
  /** lb_retry_match's matcher sets, compiled by retry_match.ts. */
  retryMatch: JSONObject[];
  passive: PassiveHealthSettings | null;
  /** null: no active checks (none configured, or neither uri, path nor port set). */
  active: ActiveHealthSettings | null;
  transport: TransportSettings;
  /** The fastcgi transport (php_fastcgi), used instead of `transport` when set. */
  fastcgi: FastCGISettings | null;
  headerUp: HeaderOpsConfig | undefined;
  headerDown: RespHeaderOpsConfig | undefined;
  rewrite: ProxyRewrite;
  /** verbose_logs (newer Caddy): debug lines for each retry and finished response. */
  verboseLogs: boolean;
  /** Milliseconds; -1: flush every write; null: not set. */
  flushInterval: number | null;
  /** The handler's own trusted_proxies (older configs); null: the server decides. */
  trustedProxies: string[] | null;
  /** Their routes are compiled (and so checked) before the feature is refused. */
  handleResponse: ResponseHandlerConfig[];
}

/** Caddy fields of the handler tsweb does not run yet. */
const REFUSED = ['circuit_breaker'];
const REWRITE_FULL = ['strip_path_prefix', 'strip_path_suffix', 'uri_substring', 'path_regexp', 'query'];

/** reverse_proxy's `rewrite`: method and uri, or (with path/query options) the rewrite module's whole Rewrite. */
export interface ProxyRewrite {
  method: string;
  uri: string;
  full: Rewrite | null;
}

function intAt(v: unknown, path: string): number {
  if (typeof v !== 'number' || !Number.isInteger(v)) throw new DecodeError(path, `json: cannot unmarshal ${jsonKind(v)} into Go value of type int`);
  return v;
}

function decodeUpstream(v: unknown, path: string): { dial: string; maxRequests: number } {
  const r = ObjectReader.of(v, path);
  const dial = r.raw('dial');
  if (typeof dial !== 'string') throw new DecodeError(path, 'a dial address is required');
  const maxRequests = r.int('max_requests', 0);
  r.done();
  return { dial, maxRequests };
}

function decodeLoadBalancing(r: ObjectReader): { selection: SelectionPolicy; retry: RetryPolicy; retryMatch: JSONObject[] } {
  const retryMatch = r.list('retry_match', (x, p) => ObjectReader.of(x, p).json);
  const retries = r.raw('retries') ?? 0;
  if (typeof retries !== 'number' || !Number.isInteger(retries) || retries < 0) throw new Error('load_balancing.retries: must be a non-negative integer');
  const selection = decodeSelectionPolicy(r.raw('selection_policy'), r.at('selection_policy'));
  const tryDuration = r.durationMs('try_duration');
  let tryInterval = r.durationMs('try_interval');
  r.done();
  // Caddy's default: wait 250 ms between tries when a try duration is set.
  if (tryDuration > 0 && tryInterval === 0) tryInterval = 250;
  return { selection, retry: { retries, tryDuration, tryInterval }, retryMatch };
}

function decodeActiveHealth(a: ObjectReader): ActiveHealthSettings | null {
  const path = a.str('path', '');
  const uri = a.str('uri', '');
  const upstream = a.str('upstream', '');
  const port = a.int('port', 0);
  const headers = new Map<string, string[]>();
  for (const [k, vals] of a.map('headers', (v, p) => {
    if (v === null) return [];
    if (!Array.isArray(v) || v.some((x) => typeof x !== 'string')) throw new DecodeError(p, `json: cannot unmarshal ${jsonKind(v)} into Go value of type []string`);
    return v as string[];
  })) {
    // Caddy canonicalizes the probe's header names at provision (Host is then found as Host).
    const name = canonicalKey(k);
    headers.set(name, [...(headers.get(name) ?? []), ...vals]);
  }
  const method = a.str('method', '') || 'GET';
  const body = a.str('body', '');
  const followRedirects = a.bool('follow_redirects');
  const interval = a.durationMs('interval') || 30_000;
  const timeout = a.durationMs('timeout') || 5_000;
  const passes = Math.max(1, a.int('passes', 0));
  const fails = Math.max(1, a.int('fails', 0));
  const maxSize = a.int('max_size', 0);
  const expectStatus = a.int('expect_status', 0);
  const expectBody = a.str('expect_body', '');
  a.done();
  // Caddy's IsEnabled: without a path, uri or port the object configures nothing.
  if (path === '' && uri === '' && port === 0) return null;
  return {
    uri: uri !== '' ? uri : path,
    upstream,
    port,
    headers: [...headers],
    method,
    body,
    followRedirects,
    interval,
    timeout,
    passes,
    fails,
    maxSize,
    expectStatus,
    expectBody,
    deprecatedPath: path !== '',
  };
}

function decodeHealthChecks(r: ObjectReader): { passive: PassiveHealthSettings | null; active: ActiveHealthSettings | null } {
  const active = decodeActiveHealth(r.obj('active'));
  const passiveRaw = r.raw('passive');
  const p = r.obj('passive');
  r.done();
  const failDuration = p.durationMs('fail_duration');
  const maxFails = p.int('max_fails', 0);
  const unhealthyStatus = p.list('unhealthy_status', intAt);
  const unhealthyLatency = p.durationMs('unhealthy_latency');
  const unhealthyRequestCount = p.int('unhealthy_request_count', 0);
  p.done();
  if (passiveRaw === undefined || passiveRaw === null) return { passive: null, active };
  return { passive: { failDuration, maxFails: maxFails > 0 ? maxFails : 1, unhealthyStatus, unhealthyLatency, unhealthyRequestCount }, active };
}

function decodeHeaders(r: ObjectReader): { up: HeaderOpsConfig | undefined; down: RespHeaderOpsConfig | undefined } {
  const up = decodeHeaderOps(r.raw('request'), r.at('request'));
  // header_down applies to every response at once: `require` and `deferred` are accepted (as always) but not acted on yet.
  const down = decodeRespHeaderOps(r.raw('response'), r.at('response'));
  r.done();
  return { up, down };
}

function decodeRewrite(r: ObjectReader): ProxyRewrite {
  // The path and query options: the rewrite module's own decoder and code (a rewrite.Rewrite in Caddy too).
  const full = REWRITE_FULL.some((k) => r.json[k] !== undefined) ? decodeRewriteModule(r.json) : null;
  r.ignore(...REWRITE_FULL, 'force_modify_query');
  const out = { method: r.str('method', ''), uri: r.str('uri', ''), full };
  r.done();
  return out;
}

/** One entry of a handle_response list (intercept's list is the same type). */
export function decodeResponseHandler(v: unknown, path: string): ResponseHandlerConfig {
  const r = ObjectReader.of(v, path);
  const out: ResponseHandlerConfig = {};
  const match = decodeResponseMatcher(r.raw('match'), r.at('match'));
  if (match !== undefined) out.match = match;
  const status = r.raw('status_code');
  if (status !== undefined && status !== null) {
    if (typeof status !== 'number' && typeof status !== 'string') throw new DecodeError(r.at('status_code'), `json: cannot unmarshal ${jsonKind(status)} into Go value of type caddyhttp.WeakString`);
    out.status_code = status;
  }
  const routes = r.list('routes', (x, p) => ObjectReader.of(x, p).json);
  if (routes.length > 0) out.routes = routes;
  r.done();
  return out;
}

/** flush_interval: a caddy.Duration; any negative number means "flush every write". */
function decodeFlushInterval(r: ObjectReader): number | null {
  const v = r.raw('flush_interval');
  if (v === undefined || v === null) return null;
  if (typeof v === 'number' && v < 0) return -1;
  return r.durationMs('flush_interval');
}

export function decodeReverseProxy(json: JSONObject): ReverseProxy {
  const r = new ObjectReader(json);
  r.ignore('handler');
  for (const k of REFUSED) if (k in json) throw new Error(`reverse_proxy: ${k} is not supported by tsweb yet`);
  r.ignore(...REFUSED);
  const { passive, active } = decodeHealthChecks(r.obj('health_checks'));
  const upstreams = r.list('upstreams', decodeUpstream);
  const { selection, retry, retryMatch } = decodeLoadBalancing(r.obj('load_balancing'));
  const transportRaw = r.raw('transport');
  const fastcgi = transportProtocol(transportRaw) === 'fastcgi' ? decodeFastCGI(transportRaw, r.at('transport')) : null;
  const transport = decodeTransport(fastcgi === null ? transportRaw : undefined, r.at('transport'));
  const headers = decodeHeaders(r.obj('headers'));
  const rewrite = decodeRewrite(r.obj('rewrite'));
  const flushInterval = decodeFlushInterval(r);
  const trusted = r.raw('trusted_proxies');
  const trustedProxies = trusted === undefined || trusted === null ? null : r.strList('trusted_proxies');
  const handleResponse = r.list('handle_response', decodeResponseHandler);
  const dynamicRaw = r.raw('dynamic_upstreams');
  const dynamic = dynamicRaw === undefined || dynamicRaw === null ? null : decodeDynamicSource(dynamicRaw, r.at('dynamic_upstreams'));
  const streams = decodeStreams(r);
  const verboseLogs = r.bool('verbose_logs');
  r.done();
  return { dynamic, streams, upstreams, selection, retry, retryMatch, passive, active, transport, fastcgi, headerUp: headers.up, headerDown: headers.down, rewrite, flushInterval, trustedProxies, handleResponse, verboseLogs };
}
