/**
 * reverse_proxy transports (`transport http {...}`, `transport fastcgi {...}`)
 * and the network proxy modules of the http transport, as Caddy's
 * reverseproxy/caddyfile.go and fastcgi/caddyfile.go parse them. Registered as
 * guest modules `http.reverse_proxy.transport.<name>` and `caddy.network_proxy.<name>`.
 */
import type { Dispenser } from '../../caddyfile/dispenser.js';
import { moduleObject, setOmitEmpty } from '../../go/json.js';
import '../../adapt/tls/clientauth.js'; // registers the tls.ca_pool.source modules used by tls_trust_pool
import { registerModule, unmarshalModule } from '../../adapt/tls/modules.js';
import type { JSONObject } from '../../adapt/types.js';
import { atoi, parseBytes, parseCaddyDuration } from '../../go/units.js';
import type { Helper } from '../../adapt/helper.js';
import type { FastCGIOptions, HTTPTransportConfig, KeepAliveConfig, TransportTLSConfig } from './config_transport.js';

export const TRANSPORT_NS = 'http.reverse_proxy.transport';

/** The next argument on the line, which must be there. */
export function arg(d: Dispenser): string {
  if (!d.nextArg()) throw d.argErr();
  return d.val();
}

function duration(d: Dispenser, what: string): number {
  try {
    return parseCaddyDuration(d.val());
  } catch (e) {
    throw d.err(`${what} '${d.val()}': ${(e as Error).message}`);
  }
}

function bytes(d: Dispenser, what: string): number {
  try {
    return parseBytes(d.val());
  } catch (e) {
    throw d.err(`invalid ${what} size '${d.val()}': ${(e as Error).message}`);
  }
}

function integer(d: Dispenser): number {
  try {
    return atoi(d.val());
  } catch (e) {
    throw d.err(`bad integer value '${d.val()}': ${(e as Error).message}`);
  }
}

/** Receives the deprecation warnings Caddy logs while adapting. */
export type WarnFn = (msg: string) => void;

/** Parses `transport <name> ...` at the current (name) token. */
export function parseTransport(h: Helper, d: Dispenser): { name: string; config: JSONObject } {
  const name = d.val();
  // The http transport is parsed directly so its deprecation warnings reach the adapt output.
  if (name === 'http') return { name, config: parseHTTPTransport(d.newFromNextSegment(), (m) => h.warn(m)) };
  return { name, config: unmarshalModule(d, `${TRANSPORT_NS}.${name}`) };
}

/**
 * Syntax (transport http):
 *
 *     transport http {
 *         read_buffer|write_buffer|max_response_header <size>
 *         read_timeout|write_timeout <duration>
 *         proxy_protocol v1|v2
 *         network_proxy <module> | forward_proxy_url <url>
 *         dial_timeout|dial_fallback_delay|response_header_timeout|expect_continue_timeout <duration>
 *         resolvers <addresses...>
 *         tls
 *         tls_client_auth <automate_name> | <cert_file> <key_file>
 *         tls_insecure_skip_verify
 *         tls_curves <curves...>
 *         tls_timeout <duration>
 *         tls_trusted_ca_certs <pem_files...>
 *         tls_trust_pool <module>
 *         tls_server_name <sni>
 *         tls_renegotiation never|once|freely
 *         tls_except_ports <ports...>
 *         keepalive off|<duration>
 *         keepalive_interval <interval>
 *         keepalive_idle_conns <count>
 *         keepalive_idle_conns_per_host|max_idle_conns_per_host <count>
 *         versions <versions...>
 *         compression off
 *         max_conns_per_host <count>
 *         local_address <address>
 *     }
 */
function parseHTTPTransport(d: Dispenser, warn: WarnFn): Omit<HTTPTransportConfig, 'protocol'> {
  d.next(); // transport name
  const t: Omit<HTTPTransportConfig, 'protocol'> = {};
  const tls = (): TransportTLSConfig => (t.tls ??= {});
  const keepAlive = (): KeepAliveConfig => (t.keep_alive ??= {});
  while (d.nextBlock(0)) {
    const opt = d.val();
    switch (opt) {
      case 'read_buffer':
        arg(d);
        setOmitEmpty(t, 'read_buffer_size', bytes(d, 'read buffer'));
        break;
      case 'write_buffer':
        arg(d);
        setOmitEmpty(t, 'write_buffer_size', bytes(d, 'write buffer'));
        break;
      case 'max_response_header':
        arg(d);
        setOmitEmpty(t, 'max_response_header_size', bytes(d, 'max response header'));
        break;
      case 'read_timeout':
      case 'write_timeout': {
        arg(d);
        let dur: number;
        try {
          dur = parseCaddyDuration(d.val());
        } catch (e) {
          throw d.err(`invalid ${opt.replace('_', ' ')} duration '${d.val()}': ${(e as Error).message}`);
        }
        setOmitEmpty(t, opt, dur);
        break;
      }
      case 'proxy_protocol': {
        const v = arg(d);
        if (v !== 'v1' && v !== 'v2') throw d.err(`invalid proxy protocol version '${v}'`);
        t.proxy_protocol = v;
        break;
      }
      case 'forward_proxy_url':
        warn("The 'forward_proxy_url' field is deprecated. Use 'network_proxy <url>' instead.");
        t.network_proxy = { from: 'url', url: arg(d) };
        break;
      case 'network_proxy': {
        const name = arg(d);
        t.network_proxy = moduleObject(unmarshalModule(d, `caddy.network_proxy.${name}`), 'from', name) as HTTPTransportConfig['network_proxy'];
        break;
      }
      case 'dial_timeout':
        arg(d);
        setOmitEmpty(t, 'dial_timeout', duration(d, 'bad timeout value'));
        break;
      case 'dial_fallback_delay':
        arg(d);
        setOmitEmpty(t, 'dial_fallback_delay', duration(d, 'bad fallback delay value'));
        break;
      case 'response_header_timeout':
        arg(d);
        setOmitEmpty(t, 'response_header_timeout', duration(d, 'bad timeout value'));
        break;
      case 'expect_continue_timeout':
        arg(d);
        setOmitEmpty(t, 'expect_continue_timeout', duration(d, 'bad timeout value'));
        break;
      case 'resolvers': {
        const addresses = d.remainingArgs();
        if (addresses.length === 0) throw d.err('must specify at least one resolver address');
        t.resolver = { addresses };
        break;
      }
      case 'tls':
        tls();
        break;
      case 'tls_client_auth': {
        tls();
        const args = d.remainingArgs();
        if (args.length === 1) {
          setOmitEmpty(tls(), 'client_certificate_automate', args[0]);
        } else if (args.length === 2) {
          setOmitEmpty(tls(), 'client_certificate_file', args[0]);
          setOmitEmpty(tls(), 'client_certificate_key_file', args[1]);
        } else {
          throw d.argErr();
        }
        break;
      }
      case 'tls_insecure_skip_verify':
        if (d.nextArg()) throw d.argErr();
        tls().insecure_skip_verify = true;
        break;
      case 'tls_curves': {
        const curves = d.remainingArgs();
        if (curves.length === 0) throw d.argErr();
        tls().curves = curves;
        break;
      }
      case 'tls_timeout': {
        arg(d);
        const dur = duration(d, 'bad timeout value');
        setOmitEmpty(tls(), 'handshake_timeout', dur);
        break;
      }
      case 'tls_trusted_ca_certs': {
        warn("The 'tls_trusted_ca_certs' field is deprecated. Use the 'tls_trust_pool' field instead.");
        const files = d.remainingArgs();
        if (files.length === 0) throw d.argErr();
        // Caddy's message really lacks the closing quote.
        if (tls().ca !== undefined) throw d.err("cannot specify both 'tls_trust_pool' and 'tls_trusted_ca_certs");
        tls().root_ca_pem_files = files;
        break;
      }
      case 'tls_server_name':
        setOmitEmpty(tls(), 'server_name', arg(d));
        break;
      case 'tls_renegotiation': {
        tls();
        const level = arg(d);
        if (level !== 'never' && level !== 'once' && level !== 'freely') throw d.argErr();
        tls().renegotiation = level;
        break;
      }
      case 'tls_except_ports': {
        tls();
        const ports = d.remainingArgs();
        if (ports.length === 0) throw d.argErr();
        tls().except_ports = ports;
        break;
      }
      case 'tls_trust_pool': {
        const name = arg(d);
        const ca = moduleObject(unmarshalModule(d, `tls.ca_pool.source.${name}`), 'provider', name) as TransportTLSConfig['ca'];
        if (tls().root_ca_pem_files !== undefined) {
          throw d.err("cannot specify both 'tls_trust_pool' and 'tls_trusted_ca_certs'");
        }
        if (tls().ca !== undefined) throw d.err('cannot specify "tls_trust_pool" twice in caddyfile');
        tls().ca = ca;
        break;
      }
      case 'keepalive': {
        const v = arg(d);
        keepAlive();
        if (v === 'off') {
          keepAlive().enabled = false;
          break;
        }
        let dur: number;
        try {
          dur = parseCaddyDuration(v);
        } catch (e) {
          throw d.err(`bad duration value '${v}': ${(e as Error).message}`);
        }
        setOmitEmpty(keepAlive(), 'idle_timeout', dur);
        break;
      }
      case 'keepalive_interval': {
        arg(d);
        const dur = duration(d, 'bad interval value');
        setOmitEmpty(keepAlive(), 'probe_interval', dur);
        break;
      }
      case 'keepalive_idle_conns': {
        arg(d);
        const n = integer(d);
        setOmitEmpty(keepAlive(), 'max_idle_conns', n);
        break;
      }
      case 'keepalive_idle_conns_per_host':
      case 'max_idle_conns_per_host': {
        arg(d);
        const n = integer(d);
        setOmitEmpty(keepAlive(), 'max_idle_conns_per_host', n);
        break;
      }
      case 'versions': {
        const versions = d.remainingArgs();
        if (versions.length === 0) throw d.argErr();
        t.versions = versions;
        break;
      }
      case 'compression':
        if (d.nextArg() && d.val() === 'off') t.compression = false;
        break;
      case 'max_conns_per_host':
        arg(d);
        setOmitEmpty(t, 'max_conns_per_host', integer(d));
        break;
      case 'local_address':
        setOmitEmpty(t, 'local_address', arg(d));
        break;
      default:
        throw d.err(`unrecognized subdirective ${opt}`);
    }
  }
  return t;
}

registerModule(`${TRANSPORT_NS}.http`, (d) => parseHTTPTransport(d, () => {}));

registerModule('caddy.network_proxy.none', (d) => {
  d.next();
  if (d.nextArg()) throw d.argErr();
  return {};
});

registerModule('caddy.network_proxy.url', (d) => {
  d.next();
  const url = arg(d);
  if (d.nextArg()) throw d.argErr();
  return { url };
});

/** Parses `dial_timeout|read_timeout|write_timeout <duration>` for the fastcgi transport. */
export function fastcgiTimeout(d: Dispenser, t: FastCGIOptions, key: 'dial_timeout' | 'read_timeout' | 'write_timeout'): void {
  if (!d.nextArg()) throw d.argErr();
  let dur: number;
  try {
    dur = parseCaddyDuration(d.val());
  } catch (e) {
    throw d.err(`bad timeout value ${d.val()}: ${(e as Error).message}`);
  }
  if (dur !== 0) t[key] = dur;
  else delete t[key];
}

/**
 * Syntax (transport fastcgi):
 *
 *     transport fastcgi {
 *         root <path>
 *         split <at...>
 *         env <key> <value>
 *         resolve_root_symlink
 *         dial_timeout|read_timeout|write_timeout <duration>
 *         capture_stderr
 *     }
 */
function parseFastCGITransport(d: Dispenser): FastCGIOptions {
  d.next(); // transport name
  const t: FastCGIOptions = {};
  while (d.nextBlock(0)) {
    const opt = d.val();
    switch (opt) {
      case 'root':
        if (!d.nextArg()) throw d.argErr();
        if (d.val() !== '') t.root = d.val();
        else delete t.root;
        break;
      case 'split': {
        const split = d.remainingArgs();
        if (split.length === 0) throw d.argErr();
        t.split_path = split;
        break;
      }
      case 'env': {
        const args = d.remainingArgs();
        if (args.length !== 2) throw d.argErr();
        (t.env ??= {})[args[0]!] = args[1]!;
        break;
      }
      case 'resolve_root_symlink':
        if (d.nextArg()) throw d.argErr();
        t.resolve_root_symlink = true;
        break;
      case 'dial_timeout':
      case 'read_timeout':
      case 'write_timeout':
        fastcgiTimeout(d, t, opt);
        break;
      case 'capture_stderr':
        if (d.nextArg()) throw d.argErr();
        t.capture_stderr = true;
        break;
      default:
        throw d.err(`unrecognized subdirective ${opt}`);
    }
  }
  return t;
}

registerModule(`${TRANSPORT_NS}.fastcgi`, parseFastCGITransport);

/** Go type names Caddy prints for transports that cannot do TLS. */
export const TRANSPORT_GO_TYPES: Record<string, string> = { fastcgi: '*fastcgi.Transport' };
