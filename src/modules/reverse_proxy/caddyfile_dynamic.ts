/**
 * Dynamic upstream sources (`dynamic a|srv|multi ...`) as Caddy's
 * reverseproxy/caddyfile.go parses them, registered as guest modules
 * `http.reverse_proxy.upstreams.<name>`.
 */
import type { Dispenser } from '../../caddyfile/dispenser.js';
import { moduleObject } from '../../go/json.js';
import { registerModule, unmarshalModule } from '../../adapt/tls/modules.js';
import type { JSONObject } from '../../adapt/types.js';
import { parseCaddyDuration } from '../../go/units.js';
import type { DynamicUpstreamsConfig } from './config.js';

const NS = 'http.reverse_proxy.upstreams';

/** Parses the source named by the current token into `{"source": name, ...}`. */
export function parseUpstreamSource(d: Dispenser): DynamicUpstreamsConfig {
  const name = d.val();
  return moduleObject(unmarshalModule(d, `${NS}.${name}`), 'source', name) as DynamicUpstreamsConfig;
}

function duration(d: Dispenser, what: string): number {
  try {
    return parseCaddyDuration(d.val());
  } catch (e) {
    throw d.err(`${what} '${d.val()}': ${(e as Error).message}`);
  }
}

/** Options the A and SRV sources share; returns false for anything else. */
function commonOption(d: Dispenser, out: JSONObject): boolean {
  switch (d.val()) {
    case 'refresh': {
      if (!d.nextArg()) throw d.argErr();
      let dur: number;
      try {
        dur = parseCaddyDuration(d.val());
      } catch (e) {
        throw d.err(`parsing refresh interval duration: ${(e as Error).message}`);
      }
      setNonZero(out, 'refresh', dur);
      return true;
    }
    case 'resolvers': {
      const addresses = d.remainingArgs();
      if (addresses.length === 0) throw d.err('must specify at least one resolver address');
      out.resolver = { addresses };
      return true;
    }
    case 'dial_timeout':
      if (!d.nextArg()) throw d.argErr();
      setNonZero(out, 'dial_timeout', duration(d, 'bad timeout value'));
      return true;
    case 'dial_fallback_delay':
      if (!d.nextArg()) throw d.argErr();
      setNonZero(out, 'dial_fallback_delay', duration(d, 'bad delay value'));
      return true;
    default:
      return false;
  }
}

function setNonZero(out: JSONObject, key: string, v: number): void {
  if (v !== 0) out[key] = v;
  else delete out[key];
}

registerModule(`${NS}.srv`, (d) => {
  d.next();
  const out: JSONObject = {};
  const args = d.remainingArgs();
  if (args.length > 1) throw d.argErr();
  if (args.length > 0 && args[0] !== '') out.name = args[0];
  while (d.nextBlock(0)) {
    const opt = d.val();
    if (opt === 'service' || opt === 'proto' || opt === 'name') {
      if (!d.nextArg()) throw d.argErr();
      if (out[opt] !== undefined) throw d.err(`srv ${opt} has already been specified`);
      if (d.val() !== '') out[opt] = d.val();
    } else if (opt === 'grace_period') {
      if (!d.nextArg()) throw d.argErr();
      setNonZero(out, 'grace_period', duration(d, 'bad grace period value'));
    } else if (!commonOption(d, out)) {
      throw d.err(`unrecognized srv option '${opt}'`);
    }
  }
  return out;
});

registerModule(`${NS}.a`, (d) => {
  d.next();
  const out: JSONObject = {};
  const args = d.remainingArgs();
  if (args.length > 2) throw d.argErr();
  if (args.length > 0 && args[0] !== '') out.name = args[0];
  if (args.length === 2 && args[1] !== '') out.port = args[1];
  while (d.nextBlock(0)) {
    const opt = d.val();
    if (opt === 'name' || opt === 'port') {
      if (!d.nextArg()) throw d.argErr();
      if (out[opt] !== undefined) throw d.err(`a ${opt} has already been specified`);
      if (d.val() !== '') out[opt] = d.val();
    } else if (opt === 'versions') {
      const vs = d.remainingArgs();
      if (vs.length === 0) throw d.err('must specify at least one version');
      const versions = (out.versions ??= {}) as JSONObject;
      for (const v of vs) {
        if (v !== 'ipv4' && v !== 'ipv6') throw d.err(`unsupported version: '${v}'`);
        versions[v] = true;
      }
    } else if (!commonOption(d, out)) {
      throw d.err(`unrecognized a option '${opt}'`);
    }
  }
  return out;
});

registerModule(`${NS}.multi`, (d) => {
  d.next();
  if (d.nextArg()) throw d.argErr();
  const sources: DynamicUpstreamsConfig[] = [];
  while (d.nextBlock(0)) sources.push(parseUpstreamSource(d));
  return sources.length > 0 ? { sources } : {};
});
