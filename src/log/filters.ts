/**
 * The `filter` encoder's field filters (Caddy's modules/logging/filters.go),
 * compiled once: each takes the value found at a field path and returns the
 * new one, or `undefined` to drop the field. Strings are filtered; arrays of
 * strings (header values) element by element; other values pass through.
 */
import { createHash } from 'node:crypto';
import { addrString, maskedPrefix, parseAddr, joinHostPort, splitHostPort } from '../net/ip.js';
import { compileExpansion, compileGoRegexp, replaceAllExpanded } from '../go/replace.js';
import { isObject, type JSONObject } from '../go/json.js';

export type FieldFilter = (value: unknown) => unknown;

/** Applies a string function to a string or to each string of an array. */
function onStrings(fn: (s: string) => string): FieldFilter {
  return (v) => {
    if (typeof v === 'string') return fn(v);
    if (Array.isArray(v)) return v.map((x) => (typeof x === 'string' ? fn(x) : x));
    return v;
  };
}

/** Caddy's hash filter: the first 4 bytes of the SHA-256, in hex. */
export function hash4(s: string): string {
  return createHash('sha256').update(s).digest('hex').slice(0, 8);
}

function intOr(v: unknown, def: number, field: string): number {
  if (v === undefined || v === null) return def;
  if (typeof v !== 'number' || !Number.isInteger(v) || v < 0) throw new Error(`${field}: must be a non-negative integer`);
  return v;
}

/** ip_mask: addresses (optionally host:port, comma-separated lists) cut to a prefix. */
function ipMask(cfg: JSONObject): FieldFilter {
  const v4 = intOr(cfg.ipv4_cidr, 0, 'ipv4_cidr');
  const v6 = intOr(cfg.ipv6_cidr, 0, 'ipv6_cidr');
  if (v4 > 32) throw new Error(`ipv4_cidr: ${v4} is out of range`);
  if (v6 > 128) throw new Error(`ipv6_cidr: ${v6} is out of range`);
  const one = (value: string): string => {
    const hp = splitHostPort(value);
    const host = hp ? hp[0] : value;
    const a = parseAddr(host);
    if (a === null) return value;
    const p = maskedPrefix(a, a.bytes.length === 4 ? v4 : v6);
    if (p === null) return value;
    const masked = addrString(p.addr);
    return hp ? joinHostPort(masked, hp[1]) : masked;
  };
  return onStrings((s) =>
    s
      .split(',')
      .map((x) => one(x.trim()))
      .join(', '),
  );
}

interface Action {
  type: 'replace' | 'hash' | 'delete';
  name: string;
  value: string;
}

function actions(list: unknown, what: string): Action[] {
  if (!Array.isArray(list)) throw new Error(`${what} filter: "actions" must be an array`);
  return list.map((a, i) => {
    if (!isObject(a)) throw new Error(`${what} filter: action ${i} must be an object`);
    const type = a.type;
    if (type !== 'replace' && type !== 'hash' && type !== 'delete') throw new Error(`${what} filter: unrecognized action type ${JSON.stringify(type)}`);
    const name = what === 'query' ? a.parameter : a.name;
    if (typeof name !== 'string' || name === '') throw new Error(`${what} filter: action ${i}: ${what === 'query' ? 'parameter' : 'name'} is required`);
    if (type === 'replace' && typeof a.value !== 'string') throw new Error(`${what} filter: action ${i}: a replace needs a value`);
    return { type, name, value: typeof a.value === 'string' ? a.value : '' };
  });
}

/** query: replace, hash or delete query parameters of a URI (Go re-encodes the query sorted by key). */
function query(cfg: JSONObject): FieldFilter {
  const acts = actions(cfg.actions, 'query');
  return onStrings((s) => {
    const q = s.indexOf('?');
    if (q < 0) return s;
    let params: URLSearchParams;
    try {
      params = new URLSearchParams(s.slice(q + 1));
    } catch {
      return s;
    }
    for (const a of acts) {
      if (!params.has(a.name)) continue;
      if (a.type === 'delete') params.delete(a.name);
      else {
        const vals = params.getAll(a.name);
        params.delete(a.name);
        for (const v of vals) params.append(a.name, a.type === 'hash' ? hash4(v) : a.value);
      }
    }
    params.sort();
    const rest = params.toString();
    return rest === '' ? s.slice(0, q) : `${s.slice(0, q)}?${rest}`;
  });
}

/** cookie: replace, hash or delete cookies in Cookie header values. */
function cookie(cfg: JSONObject): FieldFilter {
  const acts = actions(cfg.actions, 'cookie');
  return onStrings((s) => {
    const out: string[] = [];
    for (const part of s.split(';')) {
      const p = part.trim();
      if (p === '') continue;
      const eq = p.indexOf('=');
      const name = eq < 0 ? p : p.slice(0, eq);
      let value: string | null = eq < 0 ? '' : p.slice(eq + 1);
      for (const a of acts) {
        if (a.name !== name) continue;
        if (a.type === 'delete') value = null;
        else if (value !== null) value = a.type === 'hash' ? hash4(value) : a.value;
      }
      if (value !== null) out.push(`${name}=${value}`);
    }
    return out.join('; ');
  });
}

function regexp(cfg: JSONObject): FieldFilter {
  if (typeof cfg.regexp !== 'string' || cfg.regexp === '') throw new Error('regexp filter: "regexp" is required');
  const re = compileGoRegexp(cfg.regexp);
  // Caddy's ReplaceAllString: the value expands $1 and ${name} as Go does.
  const value = compileExpansion(typeof cfg.value === 'string' ? cfg.value : '', re);
  return onStrings((s) => replaceAllExpanded(re, s, value));
}

export function compileFilter(cfg: unknown, path: string): FieldFilter {
  if (!isObject(cfg)) throw new Error(`field ${path}: a filter must be an object`);
  const at = (fn: () => FieldFilter): FieldFilter => {
    try {
      return fn();
    } catch (err) {
      throw new Error(`field ${path}: ${(err as Error).message}`);
    }
  };
  switch (cfg.filter) {
    case 'delete':
      return () => undefined;
    case 'replace': {
      const v = typeof cfg.value === 'string' ? cfg.value : '';
      return onStrings(() => v);
    }
    case 'hash':
      return onStrings(hash4);
    case 'ip_mask':
      return at(() => ipMask(cfg));
    case 'query':
      return at(() => query(cfg));
    case 'cookie':
      return at(() => cookie(cfg));
    case 'regexp':
      return at(() => regexp(cfg));
    default:
      throw new Error(`field ${path}: unknown module: caddy.logging.encoders.filter.${String(cfg.filter)}`);
  }
}

/**
 * Applies `filter` at `path` (keys separated by '>'), copying the objects on
 * the way so other logs writing the same entry see it unfiltered.
 */
export function applyAt(fields: Record<string, unknown>, path: readonly string[], filter: FieldFilter): Record<string, unknown> {
  const [head, ...rest] = path;
  if (head === undefined || !(head in fields)) return fields;
  const cur = fields[head];
  let next: unknown;
  if (rest.length === 0) next = filter(cur);
  else if (isObject(cur)) next = applyAt(cur, rest, filter);
  else return fields;
  const copy = { ...fields };
  if (next === undefined) delete copy[head];
  else copy[head] = next;
  return copy;
}
