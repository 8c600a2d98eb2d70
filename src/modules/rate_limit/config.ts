/**
 * The `rate_limit` handler's JSON: the caddy-ratelimit plugin's
 * (github.com/mholt/caddy-ratelimit, http.handlers.rate_limit), so configs
 * written for Caddy with the plugin load unchanged.
 */
import { DecodeError, ObjectReader } from '../../core/decode.js';
import type { JSONObject } from '../../core/registry.js';

export interface RateLimitZoneConfig {
  match?: JSONObject[];
  key?: string;
  max_events?: number;
  /** caddy.Duration. */
  window?: number | string;
  ipv4_prefix?: number;
  ipv6_prefix?: number;
}

export interface RateLimitConfig {
  handler: 'rate_limit';
  rate_limits?: Record<string, RateLimitZoneConfig>;
  jitter?: number;
  sweep_interval?: number | string;
  /** The plugin's distributed mode (state synced through storage between instances): refused, see decode. */
  distributed?: JSONObject;
  storage?: JSONObject;
  log_key?: boolean;
  disable_metrics?: boolean;
}

export interface RateLimitZone {
  name: string;
  match: JSONObject[] | undefined;
  key: string;
  maxEvents: number;
  windowMs: number;
  ipv4Prefix: number;
  ipv6Prefix: number;
}

export interface RateLimit {
  zones: RateLimitZone[];
  jitter: number;
  sweepIntervalMs: number;
  logKey: boolean;
  /** No Prometheus metrics from this handler (src/modules/rate_limit/metrics.ts). */
  disableMetrics: boolean;
}

/** The plugin's default sweep_interval. */
const DEFAULT_SWEEP_MS = 60_000;

function decodeZone(name: string, json: unknown, path: string): RateLimitZone {
  const r = ObjectReader.of(json, path, 'caddyrl.RateLimit');
  const match = r.list('match', (v, p) => ObjectReader.of(v, p, 'caddyhttp.MatcherSet').json);
  const zone: RateLimitZone = {
    name,
    match: match.length > 0 ? match : undefined,
    key: r.str('key', ''),
    maxEvents: r.int('max_events', 0),
    windowMs: r.durationMs('window'),
    ipv4Prefix: r.int('ipv4_prefix', 0),
    ipv6Prefix: r.int('ipv6_prefix', 0),
  };
  r.done();
  // The plugin's provision checks, in its words.
  const fail = (msg: string) => new DecodeError(path, `setting up rate limit ${name}: ${msg}`);
  if (zone.windowMs <= 0) throw fail('window must be greater than zero');
  if (zone.maxEvents < 0) throw fail('max_events must be at least zero');
  if (zone.ipv4Prefix < 0 || zone.ipv4Prefix > 32) throw fail('ipv4_prefix must be between 0 and 32');
  if (zone.ipv6Prefix < 0 || zone.ipv6Prefix > 128) throw fail('ipv6_prefix must be between 0 and 128');
  return zone;
}

export function decodeRateLimit(json: JSONObject): RateLimit {
  const r = new ObjectReader(json);
  r.ignore('handler');
  const limits = r.obj('rate_limits', 'map[string]*caddyrl.RateLimit');
  const zones = Object.entries(limits.json).map(([name, v]) => decodeZone(name, v, limits.at(name)));
  const jitter = r.num('jitter') ?? 0;
  if (jitter < 0) throw new DecodeError('jitter', 'jitter must be at least zero');
  const sweep = r.durationMs('sweep_interval');
  if (r.raw('distributed') != null) {
    throw new DecodeError(
      'distributed',
      "distributed rate limiting (state synced between instances through storage) is not supported by tsweb; a zone's limit already holds across all workers of this server — remove 'distributed' (and 'storage') to limit per instance",
    );
  }
  // Without `distributed`, the plugin loads `storage` but never uses it: accepted, and unused here too.
  r.obj('storage', 'caddy.StorageConverter');
  const logKey = r.bool('log_key');
  const disableMetrics = r.bool('disable_metrics');
  r.done();
  // Most permissive first, as the plugin sorts them (stable where the plugin's map order is random).
  zones.sort((a, b) => b.maxEvents / b.windowMs - a.maxEvents / a.windowMs);
  return { zones, jitter, sweepIntervalMs: sweep > 0 ? sweep : DEFAULT_SWEEP_MS, logKey, disableMetrics };
}
