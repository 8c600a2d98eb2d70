/**
 * The address lists of remote_ip and client_ip (Caddy's
 * provisionCidrsZonesFromRanges / matchIPByCidrZones): CIDRs or single
 * addresses, optionally with an IPv6 zone (`fe80::1%eth0`) that the request's
 * zone must then equal. Parsed once; a request parses its one address.
 */
import { cidrToPrefix } from '../../core/clientip.js';
import { parseAddr, prefixContains, type Prefix, splitHostPort } from '../../net/ip.js';
import type { Matcher } from '../../core/types.js';
import type { Ctx } from '../../core/types.js';

interface Range {
  prefix: Prefix;
  zone: string;
}

function compileRanges(ranges: readonly string[]): Range[] {
  return ranges.map((r) => {
    let zone = '';
    const pct = r.indexOf('%');
    if (pct >= 0) {
      zone = r.slice(pct + 1).split('%')[0]!;
      r = r.slice(0, pct);
    }
    try {
      return { prefix: cidrToPrefix(r), zone };
    } catch (err) {
      if (r.includes('/')) throw new Error(`parsing CIDR expression '${r}': ${(err as Error).message}`);
      throw new Error(`invalid IP address: '${r}': ${(err as Error).message}`);
    }
  });
}

/** Whether `address` (an IP, maybe with port or zone) is in one of the ranges. */
function inRanges(address: string, ranges: readonly Range[]): boolean {
  const hp = splitHostPort(address);
  let ip = hp ? hp[0] : address;
  let zone = '';
  const pct = ip.indexOf('%');
  if (pct >= 0) {
    zone = ip.slice(pct + 1).split('%')[0]!;
    ip = ip.slice(0, pct);
  }
  const addr = parseAddr(ip);
  if (addr === null) return false;
  for (const r of ranges) {
    if (prefixContains(r.prefix, addr) && (r.zone === '' || r.zone === zone)) return true;
  }
  return false;
}

/** A matcher over the address `pick` returns, from the decoded `ranges`. */
export function ipMatcher(raw: readonly string[], pick: (ctx: Ctx) => string): Matcher {
  const ranges = compileRanges(raw);
  return (ctx) => inRanges(pick(ctx), ranges);
}
