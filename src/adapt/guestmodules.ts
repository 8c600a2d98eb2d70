/**
 * Guest modules used by the `servers` global option: listener wrappers
 * (`caddy.listeners.*`) and trusted proxy IP sources (`http.ip_sources.*`).
 * Registered only if no one else did, since reverse_proxy shares the IP sources.
 */
import type { Dispenser } from '../caddyfile/dispenser.js';
import { PRIVATE_RANGES_CIDR } from '../modules/matchers/caddyfile_lists.js';
import { parseCaddyDuration } from '../go/units.js';
import { hasModule, registerModule, type ModuleParser } from './tls/modules.js';
import type { JSONObject } from './types.js';

function register(id: string, parse: ModuleParser): void {
  if (!hasModule(id)) registerModule(id, parse);
}

/** A module that takes no options at all. */
const bare = (d: Dispenser): JSONObject => {
  d.next();
  if (d.nextArg()) throw d.argErr();
  if (d.nextBlock(0)) throw d.argErr();
  return {};
};

register('caddy.listeners.tls', bare);
register('caddy.listeners.http_redirect', (d) => {
  d.next();
  if (d.nextArg()) throw d.argErr();
  const out: JSONObject = {};
  while (d.nextBlock(0)) {
    if (d.val() !== 'max_header_bytes') throw d.err(`unrecognized option '${d.val()}'`);
    if (!d.nextArg()) throw d.argErr();
    out.max_header_bytes = Number(d.val());
  }
  return out;
});

const POLICIES = new Set(['use', 'ignore', 'reject', 'require', 'skip']);

/** proxy_protocol { timeout <d>; allow <cidrs...>; deny <cidrs...>; fallback_policy <p> } */
register('caddy.listeners.proxy_protocol', (d) => {
  d.next();
  if (d.nextArg()) throw d.argErr();
  const out: JSONObject = {};
  while (d.nextBlock(0)) {
    switch (d.val()) {
      case 'timeout':
        if (!d.nextArg()) throw d.argErr();
        try {
          out.timeout = parseCaddyDuration(d.val());
        } catch (e) {
          throw d.err(`parsing proxy_protocol timeout duration: ${(e as Error).message}`);
        }
        break;
      case 'allow':
        out.allow = [...((out.allow as string[] | undefined) ?? []), ...d.remainingArgs()];
        break;
      case 'deny':
        out.deny = [...((out.deny as string[] | undefined) ?? []), ...d.remainingArgs()];
        break;
      case 'fallback_policy': {
        if (!d.nextArg()) throw d.argErr();
        const p = d.val().toLowerCase();
        if (!POLICIES.has(p)) throw d.err(`invalid fallback policy: ${d.val()}`);
        out.fallback_policy = p.toUpperCase();
        break;
      }
      default:
        throw d.argErr();
    }
  }
  return out;
});

/** static <ranges...|private_ranges> */
register('http.ip_sources.static', (d) => {
  d.next();
  const ranges: string[] = [];
  while (d.nextArg()) {
    if (d.val() === 'private_ranges') ranges.push(...PRIVATE_RANGES_CIDR);
    else ranges.push(d.val());
  }
  return ranges.length ? { ranges } : {};
});
