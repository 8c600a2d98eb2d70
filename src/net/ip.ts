/**
 * IP addresses and prefixes as Go's net/netip sees them, for remote_ip,
 * client_ip, trusted_proxies and {http.request.remote.host/N}: strict parsing
 * (no leading zeros in IPv4), IPv6 zones, canonical text (RFC 5952, IPv4-mapped
 * printed as ::ffff:a.b.c.d) and Prefix.Contains, which never matches across
 * families and never matches an address with a zone.
 */
import { joinHostPort, splitHostPortOrReason } from './hostport.js';

export interface Addr {
  /** 4 bytes for IPv4, 16 for IPv6 (IPv4-mapped addresses stay 16 bytes, as in netip). */
  readonly bytes: Uint8Array;
  readonly zone: string;
}

export interface Prefix {
  readonly addr: Addr;
  readonly bits: number;
}

function parseV4(s: string): Uint8Array | null {
  const out = new Uint8Array(4);
  let part = 0;
  let val = 0;
  let digits = 0;
  for (let i = 0; i <= s.length; i++) {
    const c = i < s.length ? s.charCodeAt(i) : 46;
    if (c === 46) {
      if (digits === 0 || part > 3) return null;
      out[part++] = val;
      val = 0;
      digits = 0;
    } else if (c >= 48 && c <= 57) {
      if (digits > 0 && val === 0) return null; // leading zero
      val = val * 10 + (c - 48);
      if (val > 255) return null;
      digits++;
    } else {
      return null;
    }
  }
  return part === 4 ? out : null;
}

function parseV6(s: string): Uint8Array | null {
  const out = new Uint8Array(16);
  let ellipsis = -1;
  let i = 0;
  if (s.startsWith('::')) {
    ellipsis = 0;
    i = 2;
    if (i === s.length) return out;
  }
  let w = 0;
  while (w < 16) {
    // a group, or an embedded IPv4 address at the end
    let j = i;
    let val = 0;
    while (j < s.length && j - i < 5) {
      const c = s.charCodeAt(j);
      let d: number;
      if (c >= 48 && c <= 57) d = c - 48;
      else if (c >= 97 && c <= 102) d = c - 87;
      else if (c >= 65 && c <= 70) d = c - 55;
      else break;
      val = val * 16 + d;
      j++;
    }
    if (j - i > 4) return null;
    if (j < s.length && s[j] === '.') {
      if (ellipsis < 0 && w !== 12) return null;
      if (w + 4 > 16) return null;
      const v4 = parseV4(s.slice(i));
      if (!v4) return null;
      out.set(v4, w);
      w += 4;
      i = s.length;
      break;
    }
    if (j === i) return null;
    out[w++] = val >> 8;
    out[w++] = val & 0xff;
    i = j;
    if (i === s.length) break;
    if (s[i] !== ':' || i + 1 === s.length) return null;
    i++;
    if (s[i] === ':') {
      if (ellipsis >= 0) return null;
      ellipsis = w;
      i++;
      if (i === s.length) break;
    }
  }
  if (i !== s.length) return null;
  if (w < 16) {
    if (ellipsis < 0) return null;
    const n = 16 - w;
    for (let k = w - 1; k >= ellipsis; k--) out[k + n] = out[k]!;
    for (let k = ellipsis + n - 1; k >= ellipsis; k--) out[k] = 0;
  } else if (ellipsis >= 0) {
    return null; // '::' must stand for at least one group
  }
  return out;
}

/** netip.ParseAddr: IPv4, IPv6 (with optional %zone); null when invalid. */
export function parseAddr(s: string): Addr | null {
  if (s.includes(':')) {
    const pct = s.indexOf('%');
    let zone = '';
    if (pct >= 0) {
      zone = s.slice(pct + 1);
      if (zone === '') return null;
      s = s.slice(0, pct);
    }
    const b = parseV6(s);
    return b ? { bytes: b, zone } : null;
  }
  const b = parseV4(s);
  return b ? { bytes: b, zone: '' } : null;
}

export function isV4(a: Addr): boolean {
  return a.bytes.length === 4;
}

/** IPv4-mapped IPv6 (::ffff:a.b.c.d). */
export function is4In6(a: Addr): boolean {
  const b = a.bytes;
  if (b.length !== 16) return false;
  for (let i = 0; i < 10; i++) if (b[i] !== 0) return false;
  return b[10] === 0xff && b[11] === 0xff;
}

/** Addr.Unmap: an IPv4-mapped address as plain IPv4. */
export function unmap(a: Addr): Addr {
  return is4In6(a) ? { bytes: a.bytes.slice(12), zone: '' } : a;
}

/** netip.Addr.String(). */
export function addrString(a: Addr): string {
  const b = a.bytes;
  if (b.length === 4) return `${b[0]}.${b[1]}.${b[2]}.${b[3]}`;
  const zone = a.zone ? '%' + a.zone : '';
  if (is4In6(a)) return `::ffff:${b[12]}.${b[13]}.${b[14]}.${b[15]}${zone}`;
  const g: number[] = [];
  for (let i = 0; i < 16; i += 2) g.push((b[i]! << 8) | b[i + 1]!);
  // Longest run of two or more zero groups becomes '::' (first one on ties).
  let bestStart = -1;
  let bestLen = 0;
  for (let i = 0; i < 8; ) {
    if (g[i] !== 0) {
      i++;
      continue;
    }
    let j = i;
    while (j < 8 && g[j] === 0) j++;
    if (j - i > bestLen && j - i >= 2) {
      bestStart = i;
      bestLen = j - i;
    }
    i = j;
  }
  const hex = (xs: number[]) => xs.map((x) => x.toString(16)).join(':');
  const text = bestStart < 0 ? hex(g) : `${hex(g.slice(0, bestStart))}::${hex(g.slice(bestStart + bestLen))}`;
  return text + zone;
}

/** netip.ParsePrefix: "addr/bits" (no zone); the address need not be masked. Throws with Go-like text. */
export function parsePrefix(s: string): Prefix {
  const slash = s.lastIndexOf('/');
  if (slash < 0) throw new Error(`netip.ParsePrefix("${s}"): no '/'`);
  const addr = parseAddr(s.slice(0, slash));
  if (!addr) throw new Error(`netip.ParsePrefix("${s}"): ParseAddr("${s.slice(0, slash)}"): invalid IP address`);
  if (addr.zone) throw new Error(`netip.ParsePrefix("${s}"): IPv6 zones cannot be present in a prefix`);
  const bitsStr = s.slice(slash + 1);
  if (!/^\d+$/.test(bitsStr) || (bitsStr.length > 1 && bitsStr[0] === '0')) {
    throw new Error(`netip.ParsePrefix("${s}"): bad bits after slash: "${bitsStr}"`);
  }
  const bits = Number(bitsStr);
  const max = addr.bytes.length * 8;
  if (bits > max) throw new Error(`netip.ParsePrefix("${s}"): prefix length out of range`);
  return { addr, bits };
}

/** A single address as the prefix holding only it (netip.PrefixFrom(addr, addr.BitLen())). */
export function addrPrefix(addr: Addr): Prefix {
  return { addr: { bytes: addr.bytes, zone: '' }, bits: addr.bytes.length * 8 };
}

/** Prefix.Contains: same family, no zone on the address, equal leading bits. */
export function prefixContains(p: Prefix, a: Addr): boolean {
  if (a.zone !== '' || a.bytes.length !== p.addr.bytes.length) return false;
  let bits = p.bits;
  const pb = p.addr.bytes;
  const ab = a.bytes;
  for (let i = 0; bits > 0; i++, bits -= 8) {
    if (bits >= 8) {
      if (pb[i] !== ab[i]) return false;
    } else {
      const mask = (0xff << (8 - bits)) & 0xff;
      if ((pb[i]! & mask) !== (ab[i]! & mask)) return false;
    }
  }
  return true;
}

/** Addr.Prefix(bits): the masked prefix of an address; null when bits is out of range. */
export function maskedPrefix(a: Addr, bits: number): Prefix | null {
  const max = a.bytes.length * 8;
  if (!Number.isInteger(bits) || bits < 0 || bits > max) return null;
  const out = new Uint8Array(a.bytes.length);
  for (let i = 0; i < out.length; i++) {
    const keep = Math.max(0, Math.min(8, bits - i * 8));
    out[i] = a.bytes[i]! & ((0xff << (8 - keep)) & 0xff);
  }
  return { addr: { bytes: out, zone: '' }, bits };
}

/** Prefix.String(). */
export function prefixString(p: Prefix): string {
  return `${addrString(p.addr)}/${p.bits}`;
}

/**
 * The text of a socket's peer address as Go prints it: Node reports IPv4
 * clients of a dual-stack listener as ::ffff:a.b.c.d, Go as a.b.c.d.
 */
export function socketAddress(address: string | undefined): string {
  if (!address) return '';
  if (address.startsWith('::ffff:') && address.includes('.')) return address.slice(7);
  return address;
}

/**
 * net.SplitHostPort without exceptions: [host, port], or null when Go would
 * fail (missing port, too many colons, stray brackets).
 */
export function splitHostPort(hostport: string): [string, string] | null {
  const r = splitHostPortOrReason(hostport);
  return typeof r === 'string' ? null : r;
}

export { joinHostPort };
