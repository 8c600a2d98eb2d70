import type { Dispenser } from '../../caddyfile/dispenser.js';
import type { JSONObject } from '../types.js';

/**
 * Caddyfile parsers for guest modules (issuers, DNS providers, storage,
 * trust pools, ...), keyed by Caddy module ID ("tls.issuance.acme"). The
 * dispenser handed to a parser holds just the module's segment, starting at
 * the module name (Caddy's caddyfile.UnmarshalModule).
 */
export type ModuleParser = (d: Dispenser) => JSONObject;

const modules = new Map<string, ModuleParser>();
/** Namespaces whose unknown module names are passed through (third-party plugins). */
const fallbacks = new Map<string, ModuleParser>();

export function registerModule(id: string, parse: ModuleParser): void {
  if (modules.has(id)) throw new Error(`module ${id} registered twice`);
  modules.set(id, parse);
}

/** Lets a namespace accept module names tsweb does not know, with a generic parser. */
export function registerFallback(namespace: string, parse: ModuleParser): void {
  fallbacks.set(namespace, parse);
}

export function hasModule(id: string): boolean {
  return modules.has(id);
}

/**
 * Parses the module named by the current token: the segment from here to
 * the end of the line (and its block) is consumed from `d`.
 */
export function unmarshalModule(d: Dispenser, id: string): JSONObject {
  const dot = id.lastIndexOf('.');
  const parse = modules.get(id) ?? fallbacks.get(id.slice(0, dot));
  if (!parse) {
    throw d.err(`getting module named '${id}': module not registered: ${id}`);
  }
  const sub = d.newFromNextSegment();
  return parse(sub);
}

/**
 * Parses a module whose options are plain `key value...` lines, for module
 * names tsweb has no specific parser for: a single value stays a string,
 * several become a list, a bare key becomes `true`, a nested block becomes
 * an object. With `firstArgKey`, inline arguments after the module name are
 * stored under that key.
 */
export function genericModule(d: Dispenser, firstArgKey?: string): JSONObject {
  d.next();
  const out: JSONObject = {};
  const args = d.remainingArgs();
  if (args.length > 0) {
    if (!firstArgKey) throw d.argErr();
    out[firstArgKey] = args.length === 1 ? args[0] : args;
  }
  Object.assign(out, genericBlock(d));
  return out;
}

function genericBlock(d: Dispenser): JSONObject {
  const out: JSONObject = {};
  for (const n = d.getNesting(); d.nextBlock(n); ) {
    const seg = d.newFromNextSegment();
    seg.next();
    const key = seg.val();
    const vals = seg.remainingArgs();
    const nested = genericBlock(seg);
    if (Object.keys(nested).length > 0) out[key] = nested;
    else out[key] = vals.length === 0 ? true : vals.length === 1 ? vals[0] : vals;
  }
  return out;
}
