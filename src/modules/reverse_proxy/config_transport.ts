/**
 * reverse_proxy's `transport` JSON: Caddy's reverseproxy.HTTPTransport and
 * fastcgi.Transport (what php_fastcgi's Caddyfile writes), and the decoder
 * of the one tsweb runs, the `http` transport, with the dial options
 * (proxy_protocol, local_address, resolver, network_proxy) that dial.ts and
 * the connectors act on; the tuning knobs Node manages on its own are
 * accepted and left alone.
 */
import { isIP } from 'node:net';
import { DecodeError, ObjectReader } from '../../core/decode.js';
import { decodeUpstreamTLS, type UpstreamTLS } from './config_transport_tls.js';
import { resolverAddresses } from './dynamic_config.js';
import type { ForwardProxy } from './dial.js';

/** A caddy.Duration: integer nanoseconds or a Go duration string. */
export type DurationJSON = number | string;

/** Caddy's reverseproxy.TLSConfig. */
export type TransportTLSConfig = {
  /** A tls.ca_pool.source module (`{"provider": name, ...}`). */
  ca?: { provider: string; [k: string]: unknown };
  root_ca_pool?: string[];
  root_ca_pem_files?: string[];
  client_certificate_file?: string;
  client_certificate_key_file?: string;
  client_certificate_automate?: string;
  insecure_skip_verify?: boolean;
  handshake_timeout?: DurationJSON;
  server_name?: string;
  renegotiation?: 'never' | 'once' | 'freely';
  except_ports?: string[];
  curves?: string[];
};

/** Caddy's reverseproxy.KeepAlive. */
export type KeepAliveConfig = {
  enabled?: boolean;
  probe_interval?: DurationJSON;
  max_idle_conns?: number;
  max_idle_conns_per_host?: number;
  idle_timeout?: DurationJSON;
};

/** Caddy's reverseproxy.UpstreamResolver. */
export type UpstreamResolverConfig = { addresses?: string[] };

/** Caddy's reverseproxy.HTTPTransport (`"protocol": "http"`). */
export type HTTPTransportConfig = {
  protocol: 'http';
  resolver?: UpstreamResolverConfig;
  tls?: TransportTLSConfig;
  keep_alive?: KeepAliveConfig;
  compression?: boolean;
  max_conns_per_host?: number;
  proxy_protocol?: 'v1' | 'v2';
  forward_proxy_url?: string;
  /** A caddy.network_proxy module (`{"from": name, ...}`). */
  network_proxy?: { from: string; [k: string]: unknown };
  dial_timeout?: DurationJSON;
  dial_fallback_delay?: DurationJSON;
  response_header_timeout?: DurationJSON;
  expect_continue_timeout?: DurationJSON;
  max_response_header_size?: number;
  write_buffer_size?: number;
  read_buffer_size?: number;
  read_timeout?: DurationJSON;
  write_timeout?: DurationJSON;
  versions?: string[];
  local_address?: string;
};

/** Caddy's fastcgi.Transport's options (`"protocol": "fastcgi"`), as php_fastcgi fills them. */
export type FastCGIOptions = {
  root?: string;
  split_path?: string[];
  resolve_root_symlink?: boolean;
  env?: Record<string, string>;
  dial_timeout?: DurationJSON;
  read_timeout?: DurationJSON;
  write_timeout?: DurationJSON;
  capture_stderr?: boolean;
};

export type FastCGITransportConfig = FastCGIOptions & { protocol: 'fastcgi' };

export type TransportJSON = HTTPTransportConfig | FastCGITransportConfig;

/** The http transport as the runtime uses it; durations in milliseconds. */
export interface TransportSettings {
  tls: UpstreamTLS | null;
  dialTimeout: number;
  responseHeaderTimeout: number;
  keepAlive: boolean;
  idleTimeout: number;
  /** keepalive_idle_conns(_per_host); 0: unset, as many as were in use. */
  maxIdlePerHost: number;
  /**
   * HTTP/2 towards the upstream (`versions`): 'off' (HTTP/1.1), 'alpn' (TLS,
   * h2 when the upstream offers it), 'only' (TLS, h2 alone), 'h2c' (plain
   * text, prior knowledge). Unset versions stay HTTP/1.1.
   */
  http2: 'off' | 'alpn' | 'only' | 'h2c';
  /** proxy_protocol: a PROXY header on each upstream connection (proxy_protocol.ts). */
  proxyProtocol: 'v1' | 'v2' | null;
  /** local_address: the IP upstream connections are made from. */
  localAddress: string | null;
  /** resolver: DNS servers ("ip:port") that resolve upstream names instead of the system's. */
  resolvers: string[];
  /** network_proxy url / forward_proxy_url: upstreams reached through this HTTP proxy. */
  forwardProxy: ForwardProxy | null;
}

/** The upstream TLS options (config_transport_tls.ts). */
const decodeTLS = decodeUpstreamTLS;

/** The transport module `transport` names: 'http' when absent. */
export function transportProtocol(v: unknown): unknown {
  if (v === undefined || v === null) return 'http';
  return typeof v === 'object' && !Array.isArray(v) ? (v as { protocol?: unknown }).protocol : undefined;
}

/** Reads `transport` (at `path`); refuses what tsweb cannot do yet, naming it. */
export function decodeTransport(v: unknown, path: string): TransportSettings {
  const r = ObjectReader.of(v ?? { protocol: 'http' }, path);
  const protocol = r.raw('protocol');
  if (protocol !== 'http') throw new Error(`loading transport: module not supported by tsweb yet: http.reverse_proxy.transport.${String(protocol)}`);
  const versions = r.raw('versions');
  if (versions !== undefined) {
    if (!Array.isArray(versions) || versions.length === 0) throw new Error('transport http: versions must be a non-empty list');
    for (const ver of versions) {
      if (ver === '3') throw new Error('transport http: versions 3: HTTP/3 upstreams are not supported by tsweb yet');
      if (ver !== '1.1' && ver !== '2' && ver !== 'h2c') throw new Error(`transport http: versions: unsupported HTTP version ${JSON.stringify(ver)} (1.1, 2 or h2c)`);
    }
  }
  // Connection tuning that Node's agent and sockets decide for themselves.
  r.ignore('dial_fallback_delay', 'expect_continue_timeout', 'read_buffer_size', 'write_buffer_size', 'max_response_header_size', 'compression', 'max_conns_per_host', 'read_timeout', 'write_timeout');
  const tlsRaw = r.raw('tls');
  const tls = tlsRaw === undefined || tlsRaw === null ? null : decodeTLS(r.obj('tls'));
  const vs = Array.isArray(versions) ? (versions as string[]) : [];
  // As Caddy: h2c serves plain-text upstreams; over TLS, versions decide what ALPN offers.
  const http2 = tls === null ? (vs.includes('h2c') ? 'h2c' : 'off') : vs.includes('2') ? (vs.includes('1.1') ? 'alpn' : 'only') : 'off';
  const ka = r.obj('keep_alive');
  const enabled = ka.raw('enabled');
  if (enabled !== undefined && enabled !== null && typeof enabled !== 'boolean') throw new DecodeError(ka.at('enabled'), `json: cannot unmarshal ${typeof enabled} into Go value of type bool`);
  // TCP keep-alive probes are the OS's business.
  ka.ignore('probe_interval');
  const perHost = ka.int('max_idle_conns_per_host', 0);
  const idle = ka.int('max_idle_conns', 0);
  const idleTimeout = ka.durationMs('idle_timeout');
  ka.done();
  const pp = r.raw('proxy_protocol');
  if (pp !== undefined && pp !== null && pp !== '' && pp !== 'v1' && pp !== 'v2') throw new Error(`transport http: proxy_protocol: unexpected proxy protocol version ${JSON.stringify(pp)} (v1 or v2)`);
  const localAddress = decodeLocalAddress(r.str('local_address', ''));
  const forwardProxy = decodeNetworkProxy(r);
  const resolvers = r.raw('resolver') === undefined || r.raw('resolver') === null ? [] : resolverAddresses(r);
  const dialTimeout = r.durationMs('dial_timeout');
  const responseHeaderTimeout = r.durationMs('response_header_timeout');
  r.done();
  return {
    tls,
    dialTimeout: dialTimeout || 3000,
    responseHeaderTimeout,
    keepAlive: enabled !== false,
    // Go's default as Caddy sets it: idle connections live 2 minutes.
    idleTimeout: idleTimeout || 120_000,
    // Unset (0): every connection opened stays idle for reuse, where Go keeps
    // 32 per host and churns connections under more load (README, differences).
    maxIdlePerHost: perHost > 0 ? perHost : idle > 0 ? idle : 0,
    http2,
    proxyProtocol: pp === 'v1' || pp === 'v2' ? pp : null,
    localAddress,
    resolvers,
    forwardProxy,
  };
}

/** local_address as Caddy's ParseNetworkAddressWithDefaults(…, "tcp", 0) reads it; the port is not used (Go binds port 0). */
function decodeLocalAddress(v: string): string | null {
  if (v === '') return null;
  const slash = v.indexOf('/');
  const network = slash >= 0 ? v.slice(0, slash).toLowerCase() : 'tcp';
  let rest = slash >= 0 ? v.slice(slash + 1) : v;
  if (network.startsWith('udp')) throw new Error('transport http: local_address must be a TCP address, not a UDP address');
  if (network.startsWith('unix')) throw new Error('transport http: local_address: a unix socket as local address is not supported by tsweb yet');
  if (network !== 'tcp' && network !== 'tcp4' && network !== 'tcp6') throw new Error('transport http: local_address: unsupported network');
  const hp = /^\[([^\]]+)\](?::(.*))?$/.exec(rest) ?? /^([^:]*)(?::([^:]*))?$/.exec(rest);
  if (hp !== null) {
    rest = hp[1]!;
    const port = hp[2] ?? '';
    if (/^\d+-\d+$/.test(port) && port.split('-')[0] !== port.split('-')[1]) throw new Error('transport http: local_address must be a single address, not a port range');
  }
  if (isIP(rest) === 0) throw new Error(`transport http: local_address: ${JSON.stringify(v)} is not an IP address`);
  return rest;
}

/**
 * network_proxy (`{"from": "url", "url": …}` or `{"from": "none"}`) and the
 * deprecated forward_proxy_url, which Caddy turns into the `url` module.
 * An http:// proxy, tunnelled with CONNECT for every upstream.
 */
function decodeNetworkProxy(r: ObjectReader): ForwardProxy | null {
  const legacy = r.str('forward_proxy_url', '');
  const np = r.raw('network_proxy');
  let url = legacy;
  if (np !== undefined && np !== null) {
    const m = r.obj('network_proxy');
    const from = m.raw('from');
    m.ignore('from');
    if (from === 'none') {
      m.done();
      return null;
    }
    if (from !== 'url') throw new Error(`loading network_proxy module: module not supported by tsweb yet: caddy.network_proxy.${String(from)}`);
    url = m.str('url', '');
    m.done();
  }
  if (url === '') return null;
  if (url.includes('{') && url.includes('}')) throw new Error('transport http: network_proxy: a URL with placeholders is not supported by tsweb yet');
  let u: URL;
  try {
    u = new URL(url);
  } catch {
    throw new Error(`transport http: network_proxy: parse ${JSON.stringify(url)}: invalid URL`);
  }
  if (u.protocol !== 'http:') throw new Error(`transport http: network_proxy: ${u.protocol.replace(':', '')} proxies are not supported by tsweb yet (http:// only)`);
  if (u.hostname === '') throw new Error('transport http: network_proxy: supplied network_proxy URL is missing a host value');
  const user = decodeURIComponent(u.username);
  const auth = user === '' && u.password === '' ? null : `Basic ${Buffer.from(`${user}:${decodeURIComponent(u.password)}`).toString('base64')}`;
  return { host: u.hostname.replace(/^\[|\]$/g, ''), port: Number(u.port) || 80, auth };
}
