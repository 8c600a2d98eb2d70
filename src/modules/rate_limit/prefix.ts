/**
 * The plugin's applyNetworkPrefix: an IP address key becomes its network
 * (`192.0.2.0/24`, `2001:db8::/64`) when a prefix length is set for its
 * family, so one client cycling through the addresses of its network counts
 * as one. Anything else (not an IP, or no prefix for its family) is kept.
 */
import { isV4, maskedPrefix, parseAddr, prefixString, unmap } from '../../net/ip.js';

export function networkKey(key: string, ipv4Prefix: number, ipv6Prefix: number): string {
  let addr = parseAddr(key);
  // Go's net.ParseIP takes no zone; a mapped IPv4 address counts as IPv4 (To4).
  if (addr === null || addr.zone !== '') return key;
  addr = unmap(addr);
  const bits = isV4(addr) ? ipv4Prefix : ipv6Prefix;
  if (bits === 0) return key;
  const p = maskedPrefix(addr, bits);
  return p === null ? key : prefixString(p);
}
