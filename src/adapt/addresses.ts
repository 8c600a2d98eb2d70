/**
 * Site addresses and how they become listeners (Caddy's httpcaddyfile/addresses.go).
 *
 * Each server block is expanded so every key is considered on its own, while
 * keys of one block that share a listener stay together. For example:
 *
 *     example.com {
 *         bind 127.0.0.1
 *     }
 *     www.example.com, example.net/path, localhost:9999 {
 *         bind 127.0.0.1 1.2.3.4
 *     }
 *
 * has two blocks but four listeners: 127.0.0.1:443, 1.2.3.4:443,
 * 127.0.0.1:9999 and 1.2.3.4:9999. `bind` applies to every key of its block
 * (it sets the host part of the listener) and each key may carry its own
 * port, so a key served on one interface is never also served on another
 * just because that would be simpler: interfaces can mean public vs. private.
 *
 * mapAddressToProtocolToServerBlocks walks each block's keys, finds each
 * key's listener addresses (and the protocols from `bind { protocols }`),
 * and for each listener makes a copy of the block holding only the keys
 * served there (same tokens, same pile). Several listeners often end up with
 * identical lists of blocks; consolidateAddrMappings merges those into one
 * many:many pairing, and each pairing becomes one server in the JSON.
 */
import type { ServerBlock } from '../caddyfile/parser.js';
import type { Token } from '../caddyfile/token.js';
import {
  AddrError,
  joinHostPort,
  joinNetworkAddress,
  networkAddressString,
  normalizeIPv6,
  parseNetworkAddress,
  splitNetworkAddress,
  trySplitHostPort,
} from '../net/netaddr.js';
import type { Pairing, SiteAddress, SiteBlock } from './pairing.js';
import type { ConfigValue } from './types.js';

export const DEFAULT_HTTP_PORT = 80;
export const DEFAULT_HTTPS_PORT = 443;

/** Caddy's ParseAddress: `[scheme://]host[:port][/path]`. Throws on a bad port. */
export function parseAddress(str: string): SiteAddress {
  const remaining0 = (str.length > 4096 ? str.slice(0, 4096) : str).trim();
  const a: SiteAddress = { original: remaining0, scheme: '', host: '', port: '', path: '' };
  let remaining = remaining0;
  const sep = remaining.indexOf('://');
  if (sep >= 0) {
    a.scheme = remaining.slice(0, sep);
    remaining = remaining.slice(sep + 3);
  }
  const slash = remaining.indexOf('/');
  const hostPart = slash >= 0 ? remaining.slice(0, slash) : remaining;
  let hp = trySplitHostPort(hostPart);
  if (typeof hp === 'string') hp = trySplitHostPort(hostPart + ':');
  if (typeof hp === 'string') hp = [hostPart, ''];
  [a.host, a.port] = hp;
  if (slash >= 0) a.path = '/' + remaining.slice(slash + 1);
  if (a.port !== '') {
    if (!/^[+-]?\d+$/.test(a.port)) {
      throw new Error(`invalid port '${a.port}': strconv.Atoi: parsing ${JSON.stringify(a.port)}: invalid syntax`);
    }
    const n = Number(a.port);
    if (!Number.isSafeInteger(n)) {
      throw new Error(`invalid port '${a.port}': strconv.Atoi: parsing ${JSON.stringify(a.port)}: value out of range`);
    }
    if (n < 0 || n > 65535) throw new Error(`port ${n} is out of range`);
  }
  return a;
}

/** Address.Normalize: canonical IPv6 text; scheme and host lowercased outside placeholders. */
export function normalizeAddress(a: SiteAddress): SiteAddress {
  const host = normalizeIPv6(a.host.trim());
  return {
    original: a.original,
    scheme: lowerExceptPlaceholders(a.scheme),
    host: lowerExceptPlaceholders(host),
    port: a.port,
    path: a.path,
  };
}

/** Lowercases `s` except inside unescaped `{...}` placeholders (caddy#3264). */
export function lowerExceptPlaceholders(s: string): string {
  let out = '';
  let escaped = false;
  let inPlaceholder = false;
  for (const ch of s) {
    if (ch === '\\' && !escaped) {
      escaped = true;
      out += ch;
      continue;
    }
    if (ch === '{' && !escaped) inPlaceholder = true;
    if (ch === '}' && inPlaceholder && !escaped) inPlaceholder = false;
    out += inPlaceholder ? ch : ch.toLowerCase();
    escaped = false;
  }
  return out;
}

/** Address.String(): a filled-out URL, e.g. for error messages. */
export function addressString(a: SiteAddress): string {
  if (a.host === '' && a.port === '') return '';
  let scheme = a.scheme;
  if (scheme === '') scheme = a.port === String(DEFAULT_HTTPS_PORT) ? 'https' : 'http';
  let s = scheme + '://';
  if (
    a.port !== '' &&
    ((scheme === 'https' && a.port !== String(DEFAULT_HTTPS_PORT)) || (scheme === 'http' && a.port !== String(DEFAULT_HTTP_PORT)))
  ) {
    s += joinHostPort(a.host, a.port);
  } else {
    s += a.host;
  }
  return s + a.path;
}

/** Listen addresses plus the protocols to serve on them (the 'bind' config value). */
export interface AddressesWithProtocols {
  addresses: string[];
  protocols?: string[];
}

/** Accepts both shapes a 'bind' value may have: string[] or {addresses, protocols}. */
export function bindValue(v: unknown): AddressesWithProtocols | undefined {
  if (Array.isArray(v)) return { addresses: v.map(String) };
  if (v && typeof v === 'object' && Array.isArray((v as AddressesWithProtocols).addresses)) return v as AddressesWithProtocols;
  return undefined;
}

export function httpPortOf(options: Record<string, unknown>): string {
  return typeof options['http_port'] === 'number' ? String(options['http_port']) : String(DEFAULT_HTTP_PORT);
}

/** Hostnames of a block's keys; in logger mode non-standard ports are kept (they are part of the Host header). */
export function hostsFromKeys(sb: SiteBlock, loggerMode = false): string[] {
  const set = new Set<string>();
  for (const addr of sb.keys) {
    if (addr.host === '') {
      if (!loggerMode) return [];
      continue;
    }
    if (loggerMode && addr.port !== '' && addr.port !== String(DEFAULT_HTTP_PORT) && addr.port !== String(DEFAULT_HTTPS_PORT)) set.add(joinHostPort(addr.host, addr.port));
    else set.add(addr.host);
  }
  return [...set];
}

/** Whether some listener's port range leaves out `otherPort` (it could then serve TLS). */
export function listenersUseAnyPortOtherThan(addresses: string[], otherPort: string): boolean {
  const port = Number(otherPort);
  if (!Number.isInteger(port)) return false;
  for (const a of addresses) {
    let na;
    try {
      na = parseNetworkAddress(a);
    } catch {
      continue;
    }
    if (port > na.endPort || port < na.startPort) return true;
  }
  return false;
}

export function httpsPortOf(options: Record<string, unknown>): string {
  return typeof options['https_port'] === 'number' ? String(options['https_port']) : String(DEFAULT_HTTPS_PORT);
}

/** A site block as placed on one listener: a subset of an original block's keys. */
export interface MappedBlock extends SiteBlock {
  /** Index of the original block, and of the keys it kept: together they identify its contents. */
  origIndex: number;
  keyIdx: number[];
}

/** The original (parsed) site block with its directive results. */
export interface ParsedSiteBlock {
  block: ServerBlock;
  pile: Record<string, ConfigValue[]>;
}

/** Listener address → protocol ('' = default) → the blocks served there. */
export type AddrProtoMap = Map<string, Map<string, MappedBlock[]>>;

/**
 * Caddy's listenersForServerBlockAddress: the listener addresses (with
 * protocols) one site address of a block is served on.
 */
function listenersForServerBlockAddress(
  sblock: ParsedSiteBlock,
  addr: SiteAddress,
  options: Record<string, unknown>,
): Map<string, Set<string>> {
  switch (addr.scheme) {
    case 'wss':
      throw new Error('the scheme wss:// is only supported in browsers; use https:// instead');
    case 'ws':
      throw new Error('the scheme ws:// is only supported in browsers; use http:// instead');
    case 'https':
    case 'http':
    case '':
      break;
    default:
      throw new Error(`unsupported URL scheme ${addr.scheme}://`);
  }
  const httpPort = httpPortOf(options);
  const httpsPort = httpsPortOf(options);

  let lnPort = httpsPort;
  if (addr.port !== '') lnPort = addr.port;
  else if (addr.scheme === 'http') lnPort = httpPort;

  if ((addr.scheme === 'http' && lnPort === httpsPort) || (addr.scheme === 'https' && lnPort === httpPort)) {
    throw new Error(`[${addressString(addr)}] scheme and port violate convention`);
  }

  let lnCfgVals: AddressesWithProtocols[] = [];
  for (const cv of sblock.pile['bind'] ?? []) {
    const v = bindValue(cv.value);
    if (v) lnCfgVals.push(v);
  }
  if (lnCfgVals.length === 0) {
    const defaults = options['default_bind'];
    if (Array.isArray(defaults)) {
      for (const d of defaults as unknown[]) {
        const v = bindValue(d && typeof d === 'object' && 'class' in d ? (d as ConfigValue).value : d);
        if (v) lnCfgVals.push(v);
      }
    } else {
      lnCfgVals = [{ addresses: [''] }];
    }
  }

  const listeners = new Map<string, Set<string>>();
  for (const cfg of lnCfgVals) {
    for (const lnAddr of cfg.addresses) {
      let netw: string;
      let host: string;
      try {
        ({ network: netw, host } = splitNetworkAddress(lnAddr));
      } catch (e) {
        throw new Error(`splitting listener address: ${(e as Error).message}`);
      }
      let key: string;
      try {
        key = networkAddressString(parseNetworkAddress(joinNetworkAddress(netw, host, lnPort)));
      } catch (e) {
        throw new Error(`parsing network address: ${(e as Error).message}`);
      }
      // As in Caddy, a later bind of the same address replaces the protocols of an earlier one.
      const prots = new Set<string>();
      listeners.set(key, prots);
      for (const p of cfg.protocols ?? []) prots.add(p);
    }
  }
  return listeners;
}

const byString = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0);

/** See the comment at the top of this file. */
export function mapAddressToProtocolToServerBlocks(
  blocks: ParsedSiteBlock[],
  options: Record<string, unknown>,
): AddrProtoMap {
  const result: AddrProtoMap = new Map();
  blocks.forEach((sblock, i) => {
    // listener → protocol → indexes of this block's keys served there
    const perAddr = new Map<string, Map<string, { idx: number; parsed: SiteAddress }[]>>();
    sblock.block.keys.forEach((key, j) => {
      let parsed: SiteAddress;
      try {
        parsed = normalizeAddress(parseAddress(key.text));
      } catch (e) {
        throw new Error(`parsing key: ${(e as Error).message}`);
      }
      let listeners: Map<string, Set<string>>;
      try {
        listeners = listenersForServerBlockAddress(sblock, parsed, options);
      } catch (e) {
        throw new Error(`server block ${i}, key ${j} (${key.text}): determining listener address: ${(e as Error).message}`);
      }
      for (const [addr, protocols] of listeners) {
        let byProt = perAddr.get(addr);
        if (!byProt) perAddr.set(addr, (byProt = new Map()));
        if (protocols.size === 0) protocols.add('');
        for (const prot of protocols) {
          let list = byProt.get(prot);
          if (!list) byProt.set(prot, (list = []));
          list.push({ idx: j, parsed });
        }
      }
    });

    for (const addr of [...perAddr.keys()].sort(byString)) {
      const byProt = perAddr.get(addr)!;
      let target = result.get(addr);
      if (!target) result.set(addr, (target = new Map()));
      for (const prot of [...byProt.keys()].sort(byString)) {
        const kws = byProt.get(prot)!;
        const keys: Token[] = kws.map((k) => sblock.block.keys[k.idx]!);
        let list = target.get(prot);
        if (!list) target.set(prot, (list = []));
        list.push({
          block: { ...sblock.block, keys },
          pile: sblock.pile,
          keys: kws.map((k) => k.parsed),
          origIndex: i,
          keyIdx: kws.map((k) => k.idx),
        });
      }
    }
  });
  return result;
}

/** Identity of a list of mapped blocks: same original blocks with the same keys means identical contents. */
function signature(blocks: MappedBlock[]): string {
  return blocks.map((b) => `${b.origIndex}:${b.keyIdx.join(',')}`).join('|');
}

/**
 * Caddy's consolidateAddrMappings: listeners whose block lists are identical
 * are merged into one pairing. Grouping by signature keeps this linear where
 * Caddy compares every pair; the resulting pairings and their order are the
 * same as Caddy's, including the empty pairing Caddy produces when an address
 * serves the same blocks over several protocols.
 */
export function consolidateAddrMappings(map: AddrProtoMap): Pairing[] {
  // signature → entries with that signature, in no particular order
  const bySig = new Map<string, { addr: string; prot: string }[]>();
  for (const [addr, byProt] of map) {
    for (const [prot, blocks] of byProt) {
      const sig = signature(blocks);
      let list = bySig.get(sig);
      if (!list) bySig.set(sig, (list = []));
      list.push({ addr, prot });
    }
  }

  const pairings: Pairing[] = [];
  for (const addr of [...map.keys()].sort(byString)) {
    const byProt = map.get(addr)!;
    for (const prot of [...byProt.keys()].sort(byString)) {
      const blocks = byProt.get(prot);
      const listeners = new Map<string, Set<string>>();
      if (blocks) {
        for (const other of bySig.get(signature(blocks)) ?? []) {
          const otherMap = map.get(other.addr)!;
          if (!otherMap.has(other.prot)) continue;
          let set = listeners.get(other.addr);
          if (!set) listeners.set(other.addr, (set = new Set()));
          set.add(other.prot);
          otherMap.delete(other.prot);
        }
      }
      const addresses = [...listeners.keys()].sort(byString);
      pairings.push({
        addresses,
        protocols: addresses.map((a) => [...listeners.get(a)!].sort(byString)),
        serverBlocks: blocks ?? [],
      });
    }
  }
  return pairings;
}

export { AddrError };
