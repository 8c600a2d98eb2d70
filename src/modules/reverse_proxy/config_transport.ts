/**
 * reverse_proxy's `transport` JSON: Caddy's reverseproxy.HTTPTransport and
 * fastcgi.Transport (what php_fastcgi's Caddyfile writes), and the decoder
 * of the one tsweb runs, the HTTP/1.1 `http` transport. Fields Caddy has
 * that change how tsweb would talk to upstreams are refused by name; the
 * tuning knobs Node manages on its own are accepted and left alone.
 */
import { DecodeError, ObjectReader } from '../../core/decode.js';

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
  tls: { insecureSkipVerify: boolean; serverName: string } | null;
  dialTimeout: number;
  responseHeaderTimeout: number;
  keepAlive: boolean;
  idleTimeout: number;
  maxIdlePerHost: number;
}

/** Caddy fields that would change what goes over the wire; refused until tsweb does them. */
const REFUSED = ['resolver', 'proxy_protocol', 'forward_proxy_url', 'network_proxy', 'local_address'];
const TLS_REFUSED = ['ca', 'root_ca_pool', 'root_ca_pem_files', 'client_certificate_file', 'client_certificate_key_file', 'client_certificate_automate', 'handshake_timeout', 'renegotiation', 'except_ports', 'curves'];

function decodeTLS(r: ObjectReader): TransportSettings['tls'] {
  for (const k of TLS_REFUSED) if (r.json[k] !== undefined) throw new Error(`transport http: tls ${k} is not supported by tsweb yet`);
  r.ignore(...TLS_REFUSED);
  const tls = { insecureSkipVerify: r.bool('insecure_skip_verify'), serverName: r.str('server_name', '') };
  r.done();
  return tls;
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
    if (versions.includes('h2c') || !versions.includes('1.1')) {
      throw new Error(`transport http: versions ${JSON.stringify(versions)}: tsweb proxies over HTTP/1.1 only for now (h2c and HTTP/2-only upstreams are not supported yet)`);
    }
  }
  // Connection tuning that Node's agent and sockets decide for themselves.
  r.ignore('dial_fallback_delay', 'expect_continue_timeout', 'read_buffer_size', 'write_buffer_size', 'max_response_header_size', 'compression', 'max_conns_per_host', 'read_timeout', 'write_timeout');
  const tlsRaw = r.raw('tls');
  const tls = tlsRaw === undefined || tlsRaw === null ? null : decodeTLS(r.obj('tls'));
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
    // Go's defaults as Caddy sets them: idle connections live 2 minutes, 32 per host.
    idleTimeout: idleTimeout || 120_000,
    maxIdlePerHost: perHost > 0 ? perHost : idle > 0 ? idle : 32,
  };
}
