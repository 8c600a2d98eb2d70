/**
 * The caddy-ratelimit plugin's Prometheus metrics (its metrics.go), with its
 * names, help texts, labels and buckets, counted where it counts them:
 *
 * - caddy_rate_limit_requests_total{zone,key}: a request the handler let
 *   through counts once under the last zone that matched it; a refused one
 *   under the zone that refused it; each both with key="" (the zone's total)
 *   and with its key. A request no zone matched counts as zone="false",
 *   key="" (the plugin passes its has-zone flag as the zone).
 * - caddy_rate_limit_declined_requests_total{zone,key}: the 429s, the same way.
 * - caddy_rate_limit_process_time_seconds{zone,key}: the time the handler
 *   took to decide, observed with each request count.
 * - caddy_rate_limit_keys_total{zone}: the keys a zone holds (until swept).
 *   Read from the zone's shared table when scraped, where the plugin sets it
 *   after each request and sweep; one value for the server (workers: max).
 * - caddy_rate_limit_config{zone,max_events,window,ipv4_prefix,ipv6_prefix}:
 *   +1 each time a zone is provisioned (so once per load, as in the plugin,
 *   whose collectors outlive reloads); workers take the max, not the sum.
 *
 * On unless the handler has `disable_metrics` (the plugin registers them
 * with Caddy's registry whether or not the `metrics` option is set).
 * Series appear on first use, as client_golang's do.
 *
 * One difference, to keep memory bounded: a zone gets per-key series for at
 * most MAX_KEY_SERIES keys (per worker); later keys count in the zone's
 * key="" series only. The plugin makes series for every key it ever sees,
 * without limit (a key per client address is a series per client).
 */
import { registry } from '../../core/metrics/index.js';
import type { HistogramFamily, HistogramSeries, Sample, Series, ValueFamily } from '../../core/metrics/registry.js';
import { goDurationString } from '../../log/value.js';
import type { WindowTable } from './window_table.js';

/** Distinct keys per zone that get series of their own. */
export const MAX_KEY_SERIES = 1000;

const BUCKETS = [0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1];

interface Families {
  declined: ValueFamily;
  requests: ValueFamily;
  time: HistogramFamily;
}

function families(): Families {
  return {
    declined: registry.counter(
      'caddy_rate_limit_declined_requests_total',
      'Total number of requests for which rate limit was applied (Declined with HTTP 429 status code returned).',
      ['zone', 'key'],
    ),
    requests: registry.counter('caddy_rate_limit_requests_total', 'Total number of requests that passed through Rate Limit module (both declined & processed).', ['zone', 'key']),
    time: registry.histogram('caddy_rate_limit_process_time_seconds', 'A time taken to process rate limiting for each request.', ['zone', 'key'], BUCKETS),
  };
}

/** One (zone, key) pair's series, made on first use. */
class Counted {
  private declinedSeries: Series | null = null;
  private readonly requests: Series;
  private readonly time: HistogramSeries;

  constructor(
    private readonly f: Families,
    private readonly labels: [string, string],
  ) {
    this.requests = f.requests.with(...labels);
    this.time = f.time.with(...labels);
  }

  count(seconds: number, declined: boolean): void {
    if (declined) (this.declinedSeries ??= this.f.declined.with(...this.labels)).value++;
    this.requests.value++;
    this.time.observe(seconds);
  }
}

/** A zone's series in this worker: one per zone name, kept across reloads as the families are. */
export class ZoneMetrics {
  private total: Counted | null = null;
  private readonly keys = new Map<string, Counted>();

  constructor(
    readonly zone: string,
    private readonly f: Families,
  ) {}

  /** A request no zone matched, under the pseudo-zone UNMATCHED: its total only. */
  countZone(seconds: number): void {
    (this.total ??= new Counted(this.f, [this.zone, ''])).count(seconds, false);
  }

  /**
   * A request through this zone: the zone's total, and its key's series while
   * there is room. An empty key's series is the total's, counted twice, as the plugin does.
   */
  count(key: string, seconds: number, declined: boolean): void {
    (this.total ??= new Counted(this.f, [this.zone, ''])).count(seconds, declined);
    let k = this.keys.get(key);
    if (k === undefined) {
      if (this.keys.size >= MAX_KEY_SERIES) return;
      k = new Counted(this.f, [this.zone, key]);
      this.keys.set(key, k);
    }
    k.count(seconds, declined);
  }
}

const zones = new Map<string, ZoneMetrics>();

/** The series of zone `name` (the plugin's zone names are global: one set per name). */
export function zoneMetrics(name: string): ZoneMetrics {
  let z = zones.get(name);
  if (z === undefined) {
    z = new ZoneMetrics(name, families());
    zones.set(name, z);
  }
  return z;
}

/** Where a request that no zone matched counts (the plugin's recordRequest(false)). */
export const UNMATCHED = 'false';

/** The plugin's recordConfig, at provision. */
export function recordConfig(zone: string, maxEvents: number, windowMs: number, ipv4Prefix: number, ipv6Prefix: number): void {
  registry
    .counter(
      'caddy_rate_limit_config',
      'Shows configuration of the rate limiter module. Reported only once on bootstrap as configuration is not dynamically configurable.',
      ['zone', 'max_events', 'window', 'ipv4_prefix', 'ipv6_prefix'],
      // Every worker provisions the same config: counted once for the server.
      'max',
    )
    .with(zone, String(maxEvents), goDurationString(windowMs * 1e6), String(ipv4Prefix), String(ipv6Prefix)).value++;
}

export interface ZoneTable {
  readonly zone: string;
  readonly table: WindowTable;
}

const tables = new Set<readonly ZoneTable[]>();

function collectKeys(): Sample[] {
  // A config and the one replacing it may both hold a zone: the same shared table, read once.
  const byZone = new Map<string, WindowTable>();
  for (const list of tables) for (const z of list) byZone.set(z.zone, z.table);
  return [...byZone].map(([zone, table]) => ({ labels: [zone], value: table.keys() }));
}

let keysRegistered = false;

/** Reports the zones' key counts while a handler is loaded; returns the unregistration for its cleanup. */
export function registerZoneKeys(list: readonly ZoneTable[]): () => void {
  if (!keysRegistered) {
    // Every worker reads the same shared tables: the max is the server's count, a sum would double it.
    registry.collector(
      'caddy_rate_limit_keys_total',
      'Total number of keys that each RL zone contains. (This metric is collected in the background for each zone.)',
      'gauge',
      ['zone'],
      collectKeys,
      'max',
    );
    keysRegistered = true;
  }
  tables.add(list);
  return () => {
    tables.delete(list);
  };
}
