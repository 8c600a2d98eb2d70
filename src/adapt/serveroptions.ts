/**
 * The `servers [<listener_address>] { ... }` global option: HTTP server
 * settings applied to the servers that listen on that address (or, without
 * an address, to all others). Caddy's httpcaddyfile/serveroptions.go.
 */
import type { Dispenser } from '../caddyfile/dispenser.js';
import { moduleObject } from '../go/json.js';
import './guestmodules.js';
import { parseBytes, parseCaddyDuration } from '../go/units.js';
import { globalOptions, registerGlobalOption } from './registry.js';
import { unmarshalModule } from './tls/modules.js';
import type { JSONObject, Warning } from './types.js';

/** One `servers` block; fields are caddyhttp.Server JSON values. */
export interface ServerOptions {
  listenerAddress?: string;
  name?: string;
  listener_wrappers?: JSONObject[];
  read_timeout?: number;
  read_header_timeout?: number;
  write_timeout?: number;
  idle_timeout?: number;
  keepalive_interval?: number;
  keepalive_idle?: number;
  keepalive_count?: number;
  max_header_bytes?: number;
  enable_full_duplex?: boolean;
  protocols?: string[];
  strict_sni_host?: boolean;
  trusted_proxies?: JSONObject;
  trusted_proxies_strict?: number;
  client_ip_headers?: string[];
  should_log_credentials?: boolean;
  metrics?: JSONObject;
  trace?: boolean;
  allow_0rtt?: boolean;
}

function duration(d: Dispenser, what: string): number {
  if (!d.nextArg()) throw d.argErr();
  try {
    return parseCaddyDuration(d.val());
  } catch (e) {
    throw d.err(`parsing ${what} duration: ${(e as Error).message}`);
  }
}

function noArgs(d: Dispenser): void {
  if (d.nextArg()) throw d.argErr();
}

export function parseServerOptions(d: Dispenser): ServerOptions {
  d.next(); // option name
  const o: ServerOptions = {};
  if (d.nextArg()) {
    o.listenerAddress = d.val();
    if (d.nextArg()) throw d.argErr();
  }
  while (d.nextBlock(0)) {
    const sub = d.val();
    switch (sub) {
      case 'name':
        if (!o.listenerAddress) throw d.err('cannot set a name for a server without a listener address');
        if (!d.nextArg()) throw d.argErr();
        o.name = d.val();
        break;

      case 'listener_wrappers':
        for (const n = d.getNesting(); d.nextBlock(n); ) {
          const name = d.val();
          const mod = unmarshalModule(d, `caddy.listeners.${name}`);
          (o.listener_wrappers ??= []).push(moduleObject(mod, 'wrapper', name));
        }
        break;

      case 'timeouts':
        for (const n = d.getNesting(); d.nextBlock(n); ) {
          switch (d.val()) {
            case 'read_body':
              o.read_timeout = duration(d, 'read_body timeout');
              break;
            case 'read_header':
              o.read_header_timeout = duration(d, 'read_header timeout');
              break;
            case 'write':
              o.write_timeout = duration(d, 'write timeout');
              break;
            case 'idle':
              o.idle_timeout = duration(d, 'idle timeout');
              break;
            default:
              throw d.err(`unrecognized timeouts option '${d.val()}'`);
          }
        }
        break;

      case 'keepalive_interval':
        o.keepalive_interval = duration(d, 'keepalive interval');
        break;

      case 'keepalive_idle':
        o.keepalive_idle = duration(d, 'keepalive idle');
        break;

      case 'keepalive_count': {
        if (!d.nextArg()) throw d.argErr();
        const n = Number(d.val());
        if (!/^\d+$/.test(d.val())) throw d.err(`parsing keepalive count int: strconv.Atoi: parsing "${d.val()}": invalid syntax`);
        o.keepalive_count = n;
        break;
      }

      case 'max_header_size': {
        const a = d.allArgs(1);
        if (!a) throw d.argErr();
        try {
          o.max_header_bytes = parseBytes(a[0]!);
        } catch (e) {
          throw d.err(`parsing max_header_size: ${(e as Error).message}`);
        }
        break;
      }

      case 'enable_full_duplex':
        noArgs(d);
        o.enable_full_duplex = true;
        break;

      case 'log_credentials':
        noArgs(d);
        o.should_log_credentials = true;
        break;

      case 'protocols': {
        const protos: string[] = [];
        for (const p of d.remainingArgs()) {
          if (p !== 'h1' && p !== 'h2' && p !== 'h2c' && p !== 'h3') throw d.err(`unknown protocol '${p}': expected h1, h2, h2c, or h3`);
          if (protos.includes(p)) throw d.err(`protocol ${p} specified more than once`);
          protos.push(p);
        }
        o.protocols = protos;
        if (d.nextBlock(d.getNesting())) throw d.argErr();
        break;
      }

      case 'strict_sni_host':
        if (d.nextArg() && d.val() !== 'insecure_off' && d.val() !== 'on') {
          throw d.err(`strict_sni_host only supports 'on' or 'insecure_off', got '${d.val()}'`);
        }
        o.strict_sni_host = d.val() !== 'insecure_off';
        break;

      case 'trusted_proxies': {
        if (!d.nextArg()) throw d.err('trusted_proxies expects an IP range source module name as its first argument');
        const name = d.val();
        o.trusted_proxies = moduleObject(unmarshalModule(d, `http.ip_sources.${name}`), 'source', name);
        break;
      }

      case 'trusted_proxies_strict':
        noArgs(d);
        o.trusted_proxies_strict = 1;
        break;

      case 'client_ip_headers': {
        const headers = [...(o.client_ip_headers ?? [])];
        for (const h of d.remainingArgs()) {
          if (headers.includes(h)) throw d.err(`client IP header ${h} specified more than once`);
          headers.push(h);
        }
        o.client_ip_headers = headers;
        if (d.nextBlock(d.getNesting())) throw d.argErr();
        break;
      }

      case 'metrics':
        // deprecated here in favour of the global `metrics` option; hoisted by the adapter
        o.metrics = {};
        for (const n = d.getNesting(); d.nextBlock(n); ) if (d.val() === 'per_host') o.metrics.per_host = true;
        break;

      case 'trace':
        noArgs(d);
        o.trace = true;
        break;

      case '0rtt':
        if (d.nextArg()) {
          if (d.val() !== 'off' && d.val() !== 'on') throw d.err(`0rtt only supports 'on' or 'off', got '${d.val()}'`);
          o.allow_0rtt = d.val() === 'on';
        } else {
          o.allow_0rtt = true;
        }
        break;

      default:
        throw d.err(`unrecognized servers option '${sub}'`);
    }
  }
  return o;
}

if (!globalOptions.has('servers')) registerGlobalOption('servers', parseServerOptions);

/**
 * Applies each server's first matching `servers` options (the list is sorted
 * most specific address first; no address matches every server), then renames
 * servers that were given a `name`.
 */
export function applyServerOptions(servers: Record<string, JSONObject>, options: Record<string, unknown>, _warnings: Warning[]): void {
  const list = options['servers'];
  if (!Array.isArray(list)) return;
  const serverOpts = list as ServerOptions[];

  const names = new Set<string>();
  for (const o of serverOpts) {
    if (!o.name) continue;
    if (names.has(o.name)) throw new Error(`applying global server options: cannot use duplicate server name '${o.name}'`);
    names.add(o.name);
  }

  const renames: [string, string][] = [];
  for (const [key, srv] of Object.entries(servers)) {
    const listen = (srv.listen as string[] | undefined) ?? [];
    const o = serverOpts.find((s) => !s.listenerAddress || listen.includes(s.listenerAddress));
    if (!o) continue;

    // Caddy assigns every field, so unset options clear what the server had.
    const set = (k: keyof ServerOptions & string, v: unknown) => {
      if (v === undefined || v === false || v === 0 || (Array.isArray(v) && v.length === 0)) delete srv[k];
      else srv[k] = v;
    };
    set('listener_wrappers', o.listener_wrappers);
    set('read_timeout', o.read_timeout);
    set('read_header_timeout', o.read_header_timeout);
    set('write_timeout', o.write_timeout);
    set('idle_timeout', o.idle_timeout);
    set('keepalive_interval', o.keepalive_interval);
    set('keepalive_idle', o.keepalive_idle);
    set('keepalive_count', o.keepalive_count);
    set('max_header_bytes', o.max_header_bytes);
    set('enable_full_duplex', o.enable_full_duplex);
    set('protocols', o.protocols);
    if (o.strict_sni_host === undefined) delete srv.strict_sni_host;
    else srv.strict_sni_host = o.strict_sni_host;
    set('trusted_proxies', o.trusted_proxies);
    set('client_ip_headers', o.client_ip_headers);
    set('trusted_proxies_strict', o.trusted_proxies_strict);
    if (o.metrics) srv.metrics = o.metrics;
    else delete srv.metrics;
    if (o.allow_0rtt === undefined) delete srv.allow_0rtt;
    else srv.allow_0rtt = o.allow_0rtt;
    if (o.should_log_credentials) srv.logs = { ...((srv.logs as JSONObject | undefined) ?? {}), should_log_credentials: true };
    if (o.trace) srv.logs = { ...((srv.logs as JSONObject | undefined) ?? {}), trace: true };
    if (o.name) renames.push([key, o.name]);
  }
  for (const [from, to] of renames) {
    servers[to] = servers[from]!;
    delete servers[from];
  }
}
