/**
 * Matchers whose value is a list of strings: host, path, method, and the IP
 * range matchers (remote_ip, client_ip, local_ip), plus protocol and tls.
 */
import { matcherParser } from '../../adapt/matchers/registry.js';
import type { Dispenser } from '../../caddyfile/dispenser.js';
import type { MatchIPRangesConfig, MatchProtocolConfig, MatchTLSConfig } from './config.js';

/** Every argument of every line; no blocks. */
function stringList(kind: string) {
  return (d: Dispenser): string[] => {
    const out: string[] = [];
    while (d.next()) {
      out.push(...d.remainingArgs());
      if (d.nextBlock(0)) throw d.err(`malformed ${kind} matcher: blocks are not supported`);
    }
    return out;
  };
}

export const hostSyntax = matcherParser('host', stringList('host'));
export const pathSyntax = matcherParser('path', stringList('path'));
export const methodSyntax = matcherParser('method', stringList('method'));

/** Caddy's internal.PrivateRangesCIDR. */
export const PRIVATE_RANGES_CIDR = ['192.168.0.0/16', '172.16.0.0/12', '10.0.0.0/8', '127.0.0.1/8', 'fd00::/8', '::1'];

function ipRanges(kind: string, allowForwarded: boolean) {
  return (d: Dispenser): MatchIPRangesConfig => {
    const ranges: string[] = [];
    while (d.next()) {
      while (d.nextArg()) {
        if (d.val() === 'forwarded' && !allowForwarded) {
          throw d.err("the 'forwarded' option is no longer supported; use the 'client_ip' matcher instead");
        }
        if (d.val() === 'private_ranges') ranges.push(...PRIVATE_RANGES_CIDR);
        else ranges.push(d.val());
      }
      if (d.nextBlock(0)) throw d.err(`malformed ${kind} matcher: blocks are not supported`);
    }
    return ranges.length ? { ranges } : {};
  };
}

export const remoteIpSyntax = matcherParser('remote_ip', ipRanges('remote_ip', false));
export const clientIpSyntax = matcherParser('client_ip', ipRanges('client_ip', true));
export const localIpSyntax = matcherParser('local_ip', ipRanges('local_ip', true));

export const protocolSyntax = matcherParser('protocol', (d): MatchProtocolConfig => {
  let proto = '';
  while (d.next()) {
    const a = d.args(1);
    if (!a) throw d.err('expected exactly one protocol');
    proto = a[0]!;
  }
  return proto;
});

/** tls [early_data] */
export const tlsSyntax = matcherParser('tls', (d): MatchTLSConfig => {
  const m: MatchTLSConfig = {};
  while (d.next()) {
    if (d.nextArg() && d.val() === 'early_data') m.handshake_complete = false;
    if (d.nextArg()) throw d.argErr();
    if (d.nextBlock(0)) throw d.err('malformed tls matcher: blocks are not supported yet');
  }
  return m;
});
