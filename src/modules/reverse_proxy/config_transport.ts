/**
 * reverse_proxy's `transport` JSON: Caddy's reverseproxy.HTTPTransport and
 * fastcgi.Transport (what php_fastcgi's Caddyfile writes), and the decoder
 * of the one tsweb runs, the HTTP/1.1 `http` transport. Fields Caddy has
 * that change how tsweb would talk to upstreams are refused by name; the
 * tuning knobs Node manages on its own are accepted and left alone.
 */
import { DecodeError, ObjectReader } from '../../core/decode.js';
import { decodeUpstreamTLS, type UpstreamTLS } from './config_transport_tls.js';

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
}

/** Caddy fields that would change what goes over the wire; refused until tsweb does them. */
const REFUSED = ['resolver', 'proxy_protocol', 'forward_proxy_url', 'network_proxy', 'local_address'];

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
  for (const k of REFUSED) if (r.json[k] !== undefined) throw new Error(`transport http: ${k} is not supported by tsweb yet`);
  r.ignore(...REFUSED);
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
  };
}
