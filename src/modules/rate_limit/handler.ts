/**
 * rate_limit (the caddy-ratelimit plugin's http.handlers.rate_limit): each
 * zone whose matchers match the request counts it under the zone's key
 * (a placeholder template); over `max_events` in the sliding `window`, the
 * request fails with 429 and Retry-After — an error through the handler
 * chain, so handle_errors can answer it — plus an info log line, with
 * {http.rate_limit.exceeded.name} set to the zone, and the plugin's
 * `rate_limit_exceeded` event — logged as Caddy's events app logs the events
 * it emits (tsweb's events app is dormant, so nothing subscribes to it).
 * Its Prometheus metrics: metrics.ts.
 *
 * A zone's counts live in memory every worker thread shares (window_table.ts
 * over src/core/shared/arena.ts), so the limit is the server's whatever the
 * number of workers; they survive reloads that keep the zone's name and
 * `events`, as the plugin keeps them across config changes.
 */
import { randomUUID } from 'node:crypto';
import { type Template, compileTemplate } from '../../core/replacer.js';
import type { ProvisionEnv } from '../../core/registry.js';
import { handlerModule } from '../../core/registry.js';
import { Duration } from '../../log/value.js';
import { arenaBlock } from '../../core/shared/arena.js';
import { isPrimaryWorker } from '../../core/shared/index.js';
import { type Ctx, type Handler, HandlerError, type Matcher } from '../../core/types.js';
import { decodeRateLimit, type RateLimit } from './config.js';
import { recordConfig, registerZoneKeys, UNMATCHED, type ZoneMetrics, zoneMetrics } from './metrics.js';
import { networkKey } from './prefix.js';
import { WindowTable, zoneLayout } from './window_table.js';

const LOGGER = 'http.handlers.rate_limit';
const EXCEEDED_NAME = 'http.rate_limit.exceeded.name';

interface Zone {
  name: string;
  /** null: every request. */
  match: Matcher | null;
  key: Template;
  /** The ipv4_prefix/ipv6_prefix masking, or null when neither is set. */
  prefix: ((key: string) => string) | null;
  table: WindowTable;
  /** Null under `disable_metrics`. */
  metrics: ZoneMetrics | null;
}

/** The table of zone `name` for `events`, in the memory every worker shares. */
export function zoneTable(name: string, events: number, windowMs: number, env?: ProvisionEnv): WindowTable {
  const layout = zoneLayout(events);
  const block = arenaBlock(`rate_limit zone ${JSON.stringify(name)} events=${events} buckets=${layout.buckets}`, layout.bytes);
  if (!block.shared) env?.log?.('warn', LOGGER, 'no shared memory left for the zone: its limit applies per worker', { zone: name });
  return new WindowTable(layout, block.buffer, block.offset, windowMs);
}

/**
 * Go's strconv.FormatFloat(wait.Seconds()+0.5, 'f', 0, 64), the plugin's
 * Retry-After: a ceiling in effect, but an exact half rounds to even.
 */
export function retryAfter(waitMs: number): string {
  const s = waitMs / 1000 + 0.5;
  const floor = Math.floor(s);
  const frac = s - floor;
  if (frac > 0.5) return String(floor + 1);
  if (frac < 0.5) return String(floor);
  return String(floor % 2 === 0 ? floor : floor + 1);
}

function provision(config: RateLimit, env: ProvisionEnv): Handler {
  const metered = !config.disableMetrics;
  const zones: Zone[] = config.zones.map((z) => ({
    name: z.name,
    match: z.match === undefined ? null : env.compileMatcherSets(z.match),
    key: compileTemplate(z.key, 'empty'),
    prefix: z.ipv4Prefix === 0 && z.ipv6Prefix === 0 ? null : (key: string) => networkKey(key, z.ipv4Prefix, z.ipv6Prefix),
    table: zoneTable(z.name, z.maxEvents, z.windowMs, env),
    metrics: metered ? zoneMetrics(z.name) : null,
  }));
  const { jitter, logKey } = config;
  const log = env.log;

  if (metered) {
    for (const z of config.zones) recordConfig(z.name, z.maxEvents, z.windowMs, z.ipv4Prefix, z.ipv6Prefix);
    env.onCleanup(registerZoneKeys(zones.map((z) => ({ zone: z.name, table: z.table }))));
    // Once per server, as Caddy's one process logs it.
    if (isPrimaryWorker()) log?.('info', LOGGER, 'rate limit metrics enabled');
  }

  // Expired keys are forgotten once per server, not once per worker: the memory is shared.
  if (zones.length > 0 && isPrimaryWorker()) {
    const timer = setInterval(() => {
      const now = Date.now();
      for (const z of zones) z.table.sweep(now);
    }, config.sweepIntervalMs);
    timer.unref();
    env.onCleanup(() => clearInterval(timer));
  }

  const exceeded = (ctx: Ctx, zone: Zone, key: string, waitMs: number): never => {
    if (jitter > 0) waitMs += Math.random() * waitMs * jitter;
    ctx.w.setHeader('Retry-After', retryAfter(waitMs));
    if (log !== undefined) {
      const fields: Record<string, unknown> = { zone: zone.name, wait: new Duration(waitMs * 1e6), remote_ip: ctx.remoteIP };
      if (logKey) fields['key'] = key;
      log('info', LOGGER, 'rate limit exceeded', fields);
      // caddyevents' Emit log line; the data map comes out as Go encodes it: keys sorted, the Duration in nanoseconds.
      const data = { remote_ip: ctx.remoteIP, wait: Math.round(waitMs * 1e6), zone: zone.name };
      log('debug', 'events', 'event', { name: 'rate_limit_exceeded', id: randomUUID(), origin: 'http.handlers.rate_limit', data });
    }
    ctx.repl.set(EXCEEDED_NAME, zone.name);
    throw new HandlerError(429, '');
  };

  if (!metered) {
    return (ctx, next) => {
      for (const zone of zones) {
        if (zone.match !== null && !zone.match(ctx)) continue;
        let key = zone.key(ctx.repl);
        if (zone.prefix !== null) key = zone.prefix(key);
        const wait = zone.table.when(key, Date.now());
        if (wait > 0) exceeded(ctx, zone, key, wait);
      }
      return next();
    };
  }

  // The plugin's counting: a refused request under its zone; one let through under the last zone that matched it.
  const unmatched = zoneMetrics(UNMATCHED);
  return (ctx, next) => {
    const start = performance.now();
    let last: Zone | null = null;
    let lastKey = '';
    for (const zone of zones) {
      if (zone.match !== null && !zone.match(ctx)) continue;
      let key = zone.key(ctx.repl);
      if (zone.prefix !== null) key = zone.prefix(key);
      const wait = zone.table.when(key, Date.now());
      if (wait > 0) {
        zone.metrics?.count(key, (performance.now() - start) / 1000, true);
        exceeded(ctx, zone, key, wait);
      }
      last = zone;
      lastKey = key;
    }
    const seconds = (performance.now() - start) / 1000;
    if (last === null) unmatched.countZone(seconds);
    else last.metrics?.count(lastKey, seconds, false);
    return next();
  };
}

export const rateLimitHandler = handlerModule('rate_limit', { decode: decodeRateLimit, provision });
