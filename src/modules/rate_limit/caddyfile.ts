/**
 * The caddy-ratelimit plugin's Caddyfile syntax, word for word:
 *
 * rate_limit [<matcher>] {
 *     zone <name> {
 *         key         <string>
 *         window      <duration>
 *         events      <max_events>
 *         ipv4_prefix <bits>
 *         ipv6_prefix <bits>
 *         match { <matchers> }
 *     }
 *     distributed { read_interval <d>  write_interval <d>  purge_age <d> }   (refused)
 *     log_key
 *     disable_metrics
 *     storage <module...>
 *     jitter  <percent>
 *     sweep_interval <duration>
 * }
 *
 * Ordered before basic_auth, as the plugin registers it.
 */
import type { Dispenser } from '../../caddyfile/dispenser.js';
import { CaddyfileError } from '../../caddyfile/errors.js';
import type { Helper } from '../../adapt/helper.js';
import { parseNestedMatcherSet } from '../../adapt/matchers/index.js';
import { handlerDirective } from '../../adapt/registry.js';
import { unmarshalModule } from '../../adapt/tls/modules.js';
import '../../adapt/tls/managers.js';
import { moduleObject } from '../../go/json.js';
import type { JSONObject } from '../../core/registry.js';
import { atoi, parseCaddyDuration, parseFloat64 } from '../../go/units.js';
import type { RateLimitConfig, RateLimitZoneConfig } from './config.js';

function oneArg(d: Dispenser): string {
  if (!d.nextArg()) throw d.argErr();
  return d.val();
}

function duration(d: Dispenser, what: string): number {
  const v = oneArg(d);
  try {
    return parseCaddyDuration(v);
  } catch (e) {
    throw d.err(`invalid ${what} '${v}': ${(e as Error).message}`);
  }
}

function integer(d: Dispenser, what: string): number {
  const v = oneArg(d);
  try {
    return atoi(v);
  } catch (e) {
    throw d.err(`invalid ${what} integer '${v}': ${(e as Error).message}`);
  }
}

function parseMatch(h: Helper): JSONObject {
  try {
    const sub = h.newFromNextSegment();
    sub.next(); // the parser starts on the token before the matchers
    return parseNestedMatcherSet(sub);
  } catch (e) {
    if (e instanceof CaddyfileError) throw h.err(`failed to parse match: ${e.reason}`);
    throw e;
  }
}

function parseZone(h: Helper): RateLimitZoneConfig {
  const zone: RateLimitZoneConfig = {};
  for (const nesting = h.getNesting(); h.nextBlock(nesting); ) {
    const sub = h.val();
    switch (sub) {
      case 'key':
        if (zone.key !== undefined) {
          oneArg(h);
          throw h.err(`zone key already specified: ${zone.key}`);
        }
        zone.key = oneArg(h);
        break;
      case 'window':
        if (zone.window !== undefined) throw h.err(`zone window already specified: ${goDuration(zone.window as number)}`);
        zone.window = duration(h, 'window duration');
        break;
      case 'events':
        if (zone.max_events !== undefined) throw h.err(`zone max events already specified: ${zone.max_events}`);
        zone.max_events = integer(h, 'max events');
        break;
      case 'ipv4_prefix':
      case 'ipv6_prefix':
        if (zone[sub] !== undefined) throw h.err(`zone ${sub} already specified: ${zone[sub]}`);
        zone[sub] = integer(h, sub);
        break;
      case 'match':
        (zone.match ??= []).push(parseMatch(h));
        break;
      default:
        throw h.err(`unrecognized subdirective '${sub}'`);
    }
  }
  // The plugin checks for zero values: `events 0` is refused here too.
  if (!zone.window || !zone.max_events) throw h.err('a rate limit zone requires both a window and maximum events');
  for (const k of ['ipv4_prefix', 'ipv6_prefix'] as const) if (zone[k] === 0) delete zone[k];
  return zone;
}

/** Go's time.Duration.String() for whole seconds and below, enough for the "already specified" errors. */
function goDuration(ns: number): string {
  if (ns % 1e9 === 0) {
    const s = ns / 1e9;
    const h = Math.floor(s / 3600);
    const m = Math.floor((s % 3600) / 60);
    const sec = s % 60;
    return `${h ? `${h}h` : ''}${h || m ? `${m}m` : ''}${sec}s`;
  }
  return `${ns / 1e6}ms`;
}

export const rateLimitDirective = handlerDirective('rate_limit', (h) => {
  h.next(); // directive name
  if (h.nextArg()) throw h.argErr();
  const out: RateLimitConfig = { handler: 'rate_limit' };
  for (const nesting = h.getNesting(); h.nextBlock(nesting); ) {
    const sub = h.val();
    switch (sub) {
      case 'zone': {
        const name = oneArg(h);
        (out.rate_limits ??= {})[name] = parseZone(h);
        break;
      }
      case 'distributed':
        throw h.err(
          "distributed rate limiting is not supported by tsweb: a zone's limit already holds across all workers of this server; remove 'distributed' to limit per instance",
        );
      case 'log_key':
        if (h.nextArg()) throw h.argErr();
        out.log_key = true;
        break;
      case 'disable_metrics':
        if (h.nextArg()) throw h.argErr();
        out.disable_metrics = true;
        break;
      case 'storage': {
        const name = oneArg(h);
        out.storage = moduleObject(unmarshalModule(h, `caddy.storage.${name}`), 'module', name) as JSONObject;
        break;
      }
      case 'jitter': {
        if (out.jitter !== undefined) throw h.err(`jitter already specified: ${out.jitter}`);
        const v = oneArg(h);
        try {
          out.jitter = parseFloat64(v);
        } catch (e) {
          throw h.err(`invalid jitter percentage '${v}': ${(e as Error).message}`);
        }
        break;
      }
      case 'sweep_interval':
        if (out.sweep_interval !== undefined) throw h.err(`sweep interval already specified: ${goDuration(out.sweep_interval as number)}`);
        out.sweep_interval = duration(h, 'sweep interval');
        break;
      default:
        throw h.err(`unrecognized subdirective '${sub}'`);
    }
  }
  return out;
});
