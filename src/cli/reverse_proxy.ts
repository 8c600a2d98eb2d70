/**
 * `tsweb reverse-proxy`: Caddy's `caddy reverse-proxy`
 * (modules/caddyhttp/reverseproxy/command.go). It builds the JSON config
 * Caddy's command builds — one server "proxy" with one reverse_proxy route,
 * host-matched when --from names a host — and serves it with the same
 * Runtime and serve loop as `tsweb run`, until SIGINT/SIGTERM.
 *
 * A --from with a host (and not the HTTP port or an http:// scheme) is
 * served over HTTPS: internal names (localhost, IPs, .local, ...) and any
 * name with --internal-certs get a certificate from the internal CA, a
 * public name one over ACME from Let's Encrypt (or the CA TSWEB_ACME_CA
 * names, trusted with TSWEB_ACME_CA_ROOT: how tests point it at Pebble).
 * HTTP→HTTPS redirects come from automatic HTTPS on port 80 unless
 * --disable-redirects.
 */
import { addressString, parseAddress } from '../adapt/addresses.js';
import { canonicalKey } from '../core/header_ops.js';
import type { JSONObject } from '../go/json.js';
import { dialAddr, parseUpstreamDialAddress } from '../modules/reverse_proxy/caddyfile_upstreams.js';
import { joinNetworkAddress, parseNetworkAddress } from '../net/netaddr.js';
import { Runtime } from '../runtime/runtime.js';
import type { Command } from './command.js';
import { engineLog } from './engine_log.js';
import { ConfigError } from './errors.js';
import { type FlagSpec, flagsHelp, stringSlice } from './flags.js';
import { type CliIO, processIO } from './io.js';
import { stderrLogger } from './log.js';
import { loadOrConfigError, serveUntilSignal } from './serve.js';
import { runFlagsVerb } from './verb.js';

const flags: FlagSpec[] = [
  { name: 'from', short: 'f', type: 'string', valueName: 'string', default: 'localhost', help: 'Address on which to receive traffic' },
  { name: 'to', short: 't', type: 'list', valueName: 'strings', help: 'Upstream address(es) to which traffic should be sent' },
  { name: 'change-host-header', short: 'c', type: 'bool', help: 'Set upstream Host header to address of upstream' },
  { name: 'insecure', type: 'bool', help: 'Disable TLS verification (WARNING: DISABLES SECURITY BY NOT VERIFYING TLS CERTIFICATES!)' },
  { name: 'disable-redirects', short: 'r', type: 'bool', help: 'Disable HTTP->HTTPS redirects' },
  { name: 'internal-certs', short: 'i', type: 'bool', help: 'Use internal CA for issuing certs' },
  { name: 'header-up', short: 'H', type: 'list', valueName: 'stringArray', help: 'Set a request header to send to the upstream (format: "Field: value")' },
  { name: 'header-down', short: 'd', type: 'list', valueName: 'stringArray', help: 'Set a response header to send back to the client (format: "Field: value")' },
  { name: 'access-log', type: 'bool', help: 'Enable the access log' },
  { name: 'debug', short: 'v', type: 'bool', help: 'Enable verbose debug logs' },
];

const usage = `A simple but production-ready reverse proxy. Useful for quick deployments,
demos, and development.

Simply shuttles HTTP(S) traffic from the --from address to the --to address.
Multiple --to addresses may be specified by repeating the flag.

Unless otherwise specified in the addresses, the --from address will be
assumed to be HTTPS if a hostname is given, and the --to address will be
assumed to be HTTP.

If the --from address has a host or IP, tsweb will attempt to serve the
proxy over HTTPS with a certificate (unless overridden by the HTTP scheme
or port). Internal names (localhost, IP addresses, *.local, *.internal,
*.home.arpa) get one from the internal CA, public names one over ACME
(Let's Encrypt, or the directory URL in $TSWEB_ACME_CA).

If serving HTTPS:
  --disable-redirects can be used to avoid binding to the HTTP port.
  --internal-certs can be used to force issuance certs using the internal
    CA instead of attempting to issue a public certificate.

For proxying:
  --header-up can be used to set a request header to send to the upstream.
  --header-down can be used to set a response header to send back to the client.
  --change-host-header sets the Host header on the request to the address
    of the upstream, instead of defaulting to the incoming Host header.
    This is a shortcut for --header-up "Host: {http.reverse_proxy.upstream.hostport}".
  --insecure disables TLS verification with the upstream. WARNING: THIS
    DISABLES SECURITY BY NOT VERIFYING THE UPSTREAM'S CERTIFICATE.

Usage:
  tsweb reverse-proxy [--from <addr>] [--to <addr>] [--change-host-header] [--insecure] [--internal-certs] [--disable-redirects] [--header-up "Field: value"] [--header-down "Field: value"] [--access-log] [--debug]

Flags:
${flagsHelp(flags)}
`;

export interface ReverseProxyOptions {
  from: string;
  to: string[];
  changeHost: boolean;
  insecure: boolean;
  disableRedirects: boolean;
  internalCerts: boolean;
  headerUp: string[];
  headerDown: string[];
  accessLog: boolean;
  debug: boolean;
}

export interface ReverseProxyPlan {
  config: JSONObject;
  /** The --from address filled out (Caddy's Address.String()). */
  from: string;
  /** Dial addresses of the upstreams, port ranges expanded. */
  to: string[];
}

const httpPort = '80';
const httpsPort = '443';

/** Go's http.Header.Set for each "Field: value" (the last one of a field wins). */
function headerSet(flag: string, values: readonly string[]): Record<string, string[]> | null {
  if (values.length === 0) return null;
  const set: Record<string, string[]> = {};
  values.forEach((h, i) => {
    const colon = h.indexOf(':');
    const key = colon < 0 ? h.trim() : h.slice(0, colon).trim();
    const val = colon < 0 ? '' : h.slice(colon + 1).trim();
    if (colon < 0 || key === '' || val === '') throw new ConfigError(`${flag} ${i}: invalid format "${h}" (expecting "Field: value")`);
    set[canonicalKey(key)] = [val];
  });
  return set;
}

/** The config `caddy reverse-proxy` runs (cmdReverseProxy), field for field. */
export function reverseProxyConfig(o: ReverseProxyOptions): ReverseProxyPlan {
  if (o.to.length === 0) throw new ConfigError('--to is required');
  let fromAddr;
  try {
    fromAddr = parseAddress(o.from);
  } catch (err) {
    throw new ConfigError(`invalid downstream address ${o.from}: ${(err as Error).message}`);
  }
  if (fromAddr.path !== '') throw new ConfigError(`paths are not allowed: ${o.from}`);
  if (fromAddr.scheme === '') fromAddr.scheme = fromAddr.port === httpPort || fromAddr.host === '' ? 'http' : 'https';
  if (fromAddr.port === '') fromAddr.port = fromAddr.scheme === 'http' ? httpPort : fromAddr.scheme === 'https' ? httpsPort : '';

  // Mixing schemes is not supported: the first one given applies to all.
  let toScheme = '';
  const toAddresses = o.to.map((loc) => {
    try {
      const a = parseUpstreamDialAddress(loc);
      if (a.scheme !== '' && toScheme === '') toScheme = a.scheme;
      return dialAddr(a);
    } catch (err) {
      throw new ConfigError(`invalid upstream address ${loc}: ${(err as Error).message}`);
    }
  });

  const transport: JSONObject = { protocol: 'http' };
  if (toScheme === 'https') transport.tls = o.insecure ? { insecure_skip_verify: true } : {};

  const upstreams: JSONObject[] = [];
  for (const addr of toAddresses) {
    let na;
    try {
      na = parseNetworkAddress(addr);
    } catch (err) {
      throw new ConfigError(`invalid upstream address ${addr}: ${(err as Error).message}`);
    }
    if (na.startPort === 0 && na.endPort === 0) upstreams.push({ dial: addr });
    else for (let p = na.startPort; p <= na.endPort; p++) upstreams.push({ dial: joinNetworkAddress('', na.host, String(p)) });
  }

  const request = headerSet('header-up', o.headerUp);
  const response = headerSet('header-down', o.headerDown);
  let headers: JSONObject | null = null;
  if (request !== null || response !== null || o.changeHost) {
    headers = {};
    const set = request ?? {};
    if (o.changeHost) set.Host = ['{http.reverse_proxy.upstream.hostport}'];
    if (Object.keys(set).length > 0) headers.request = { set };
    if (response !== null) headers.response = { set: response };
  }
  // Go's JSONModuleObject re-marshals through a map: keys sorted.
  const handler: JSONObject = { handler: 'reverse_proxy' };
  if (headers !== null) handler.headers = headers;
  handler.transport = transport;
  handler.upstreams = upstreams;

  const route: JSONObject = {};
  if (fromAddr.host !== '') route.match = [{ host: [fromAddr.host] }];
  route.handle = [handler];

  const server: JSONObject = { listen: [`:${fromAddr.port}`], routes: [route] };
  if (o.accessLog) server.logs = {};
  if (fromAddr.scheme === 'http') server.automatic_https = { disable: true };
  else if (o.disableRedirects) server.automatic_https = { disable_redirects: true };

  const apps: JSONObject = { http: { servers: { proxy: server } } };
  if (o.internalCerts && fromAddr.host !== '') {
    apps.tls = { automation: { policies: [{ subjects: [fromAddr.host], issuers: [{ module: 'internal' }] }] } };
  }
  const config: JSONObject = { admin: { disabled: true, config: { persist: false } }, apps };
  if (o.debug) config.logging = { logs: { default: { level: 'DEBUG' } } };

  return { config, from: addressString(fromAddr), to: toAddresses };
}

export async function runReverseProxy(args: string[], io: CliIO): Promise<number> {
  return runFlagsVerb(io, usage, args, flags, async (opts) => {
    const o: ReverseProxyOptions = {
      from: opts.strings.get('from')!,
      to: stringSlice(opts, 'to'),
      changeHost: opts.bools.get('change-host-header')!,
      insecure: opts.bools.get('insecure')!,
      disableRedirects: opts.bools.get('disable-redirects')!,
      internalCerts: opts.bools.get('internal-certs')!,
      headerUp: opts.lists.get('header-up')!,
      headerDown: opts.lists.get('header-down')!,
      accessLog: opts.bools.get('access-log')!,
      debug: opts.bools.get('debug')!,
    };
    const plan = reverseProxyConfig(o);
    const log = stderrLogger(io.stderr, io.stderrIsTTY);
    const elog = engineLog(log, () => o.debug);
    const runtime = new Runtime({ log: elog, env: io.env });
    await loadOrConfigError(runtime, plan.config);
    elog('info', '', 'tsweb proxying', { from: plan.from, to: plan.to });
    if (plan.to.length > 1) elog('info', '', 'using default load balancing policy', { policy: 'random' });
    return serveUntilSignal(runtime, log);
  });
}

export const command: Command = {
  name: 'reverse-proxy',
  summary: 'A quick and production-ready reverse proxy',
  usage,
  run: (args) => runReverseProxy(args, processIO()),
};
